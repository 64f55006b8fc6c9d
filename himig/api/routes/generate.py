"""``POST /api/generate``: ask for a track (202 + Location), optionally waiting for it."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Header, Router
from ninja.responses import Status
from pydantic import Field

from himig.api.auth import note_rate_limit
from himig.api.errors import validation_error
from himig.api.routes.tracks import rejected
from himig.api.schemas import ErrorOut, StrictIn, TrackOut, track_json, track_path
from himig.engine.request import (
    AUDIO_FORMATS,
    MAX_DURATION,
    MAX_PROMPT,
    MAX_SEED,
    MAX_TEMPO,
    MIN_DURATION,
    MIN_TEMPO,
)
from himig.studio import services
from himig.studio.models import Track

router = Router(tags=["generate"])

MAX_WAIT_S = 30
IDEMPOTENCY_WINDOW = dt.timedelta(hours=24)
POLL_INTERVAL_S = 0.2
FINISHED = {Track.Status.READY, Track.Status.FAILED}


def _bounds(**values: Any) -> dict[str, Any]:
    # Documented in the schema but enforced by studio.services, whose messages are kinder.
    return {"json_schema_extra": values}


class GenerateIn(StrictIn):
    prompt: str = Field(description="What the music is for and how it should sound.", **_bounds(maxLength=MAX_PROMPT))
    duration: int = Field(description="Length in whole seconds.", **_bounds(minimum=MIN_DURATION, maximum=MAX_DURATION))
    genre: str | None = Field(None, description="A genre from GET /api/genres, or 'auto' (inferred).")
    mood: str | None = Field(None, description="A mood from GET /api/moods, or 'auto' (inferred).")
    tempo_bpm: int | None = Field(None, **_bounds(minimum=MIN_TEMPO, maximum=MAX_TEMPO))
    key: str | None = Field(None, description="e.g. 'C', 'F#m', 'Bb major', 'D dorian'.")
    instruments: list[str] | None = Field(None, description="Plain names: 'piano', 'acoustic guitar', '808'.")
    seed: int | None = Field(None, description="Same request + seed = the same audio.", **_bounds(minimum=0, maximum=MAX_SEED))
    format: Literal[AUDIO_FORMATS] | None = Field(  # type: ignore[valid-type]
        None, description="Preferred download format; every format is always made."
    )
    wait: int | None = Field(
        None, ge=0, le=MAX_WAIT_S, description=f"Seconds (≤ {MAX_WAIT_S}) to wait for the finished track."
    )


@router.post(
    "/generate",
    response={
        200: TrackOut, 202: TrackOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 409: ErrorOut,
        413: ErrorOut, 415: ErrorOut, 422: ErrorOut, 429: ErrorOut,
    },
    url_name="generate",
    # Integer keys: they merge into ninja's own entries (string keys would duplicate them in the JSON).
    openapi_extra={"responses": {
        202: {"description": "Queued (or still running after `wait`); poll the Location."},
        200: {"description": "Finished (ready or failed) within `wait` seconds, or an idempotent replay of one."},
    }},
)
def generate(
    request: HttpRequest,
    response: HttpResponse,
    payload: GenerateIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=200),
) -> Status:
    """Queue a generation. The same Idempotency-Key within 24 h returns the original track."""
    user = request.auth  # type: ignore[attr-defined]
    params = payload.model_dump(exclude_unset=True)
    wait = params.pop("wait", None) or 0
    params.pop("format", None)
    key = (idempotency_key or "").strip() or None
    if key and not key.isprintable():
        raise validation_error({"Idempotency-Key": "Use printable characters only (e.g. a UUID)."})
    if key:
        # Keys are remembered for 24 h: an older track gives its key up so it can be reused.
        Track.objects.filter(
            user=user, idempotency_key=key, created_at__lt=timezone.now() - IDEMPOTENCY_WINDOW
        ).update(idempotency_key=None)
    try:
        track = services.request_generation(user, params, source="api", idempotency_key=key)
    except services.GenerationRejected as exc:
        raise rejected(exc) from None
    limit = getattr(track, "rate_limit", None)
    if limit is not None:
        note_rate_limit(request, limit)
        for name, value in limit.headers().items():
            response[name] = value
    if wait:
        track = _wait_for(track, wait)
    response["Location"] = request.build_absolute_uri(track_path(track.pk))
    return Status(200 if track.status in FINISHED else 202, track_json(track, request))


def _wait_for(track: Track, seconds: int) -> Track:
    """Re-read the row until it is ready/failed or ``seconds`` pass (the worker writes it)."""
    deadline = time.monotonic() + seconds
    while track.status not in FINISHED and time.monotonic() < deadline:
        time.sleep(min(POLL_INTERVAL_S, max(0.0, deadline - time.monotonic())))
        track.refresh_from_db()
    return track
