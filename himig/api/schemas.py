"""JSON shapes of the API: the track object (shared with the studio pages) and request/response schemas."""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from typing import Any, Literal

from django.conf import settings
from django.http import HttpRequest
from django.urls import get_script_prefix, reverse
from ninja import Schema
from pydantic import BaseModel, ConfigDict, Field

# File kinds a track can have, in the order the API lists them.
AUDIO_KINDS: tuple[str, ...] = ("mp3", "wav", "flac", "ogg")
FILE_KINDS: tuple[str, ...] = (*AUDIO_KINDS, "midi", "stems", "peaks")


def _origin(request: HttpRequest | None) -> str:
    """``scheme://host`` of the request (once per request), or the configured site URL."""
    if request is None:
        return settings.SITE_URL
    origin = getattr(request, "_himig_origin", None)
    if origin is None:
        origin = request.build_absolute_uri("/")[:-1]
        request._himig_origin = origin  # type: ignore[attr-defined]
    return origin


def _absolute(request: HttpRequest | None, path: str) -> str:
    return f"{_origin(request)}{path}"


# The last path segment under /api/tracks/<id>/ that serves each kind.
_FILE_SUFFIX = {**{kind: f"audio.{kind}" for kind in AUDIO_KINDS}, "midi": "midi", "stems": "stems.zip", "peaks": "peaks"}
_PLACEHOLDER = "00000000-0000-0000-0000-000000000000"


@functools.lru_cache(maxsize=8)
def _track_path_template(script_prefix: str) -> str:
    # reverse() costs ~0.5 ms; a page of 100 tracks would spend 50 ms on it alone.
    return reverse("api:track_detail", kwargs={"track_id": _PLACEHOLDER})


def track_path(track_id: uuid.UUID | str) -> str:
    """``/api/tracks/<id>``: where the API serves one track."""
    return _track_path_template(get_script_prefix()).replace(_PLACEHOLDER, str(track_id))


def file_path(track_id: uuid.UUID | str, kind: str) -> str:
    """The API path that serves ``kind`` (mp3/wav/flac/ogg/midi/stems/peaks) of a track."""
    return f"{track_path(track_id)}/{_FILE_SUFFIX[kind]}"


def track_files(track: Any, request: HttpRequest | None = None) -> dict[str, str | None]:
    """A URL per file kind; ``None`` for a kind the track does not (yet) have."""
    stored = track.files or {}
    if track.status != "ready" or not stored:
        return dict.fromkeys(FILE_KINDS)
    base = _absolute(request, track_path(track.id))
    return {kind: f"{base}/{_FILE_SUFFIX[kind]}" if _available(stored, kind) else None for kind in FILE_KINDS}


def _available(stored: dict[str, str], kind: str) -> bool:
    # WAV and OGG are encoded from the stored FLAC on first download (studio.files.DERIVED).
    return bool(stored.get(kind) or (kind in _derived() and stored.get("flac")))


@functools.cache
def _derived() -> frozenset[str]:
    from himig.studio.files import DERIVED

    return frozenset(DERIVED)


def share_url(track: Any, request: HttpRequest | None = None) -> str | None:
    if not (track.is_public and track.share_slug):
        return None
    return _absolute(request, f"/t/{track.share_slug}")


def track_json(track: Any, request: HttpRequest | None = None) -> dict[str, Any]:
    """One track as the API (and the studio pages' polling) shows it: PRODUCT.md §5."""
    return {
        "id": str(track.id),
        "title": track.title,
        "prompt": track.prompt,
        "genre": track.genre,
        "mood": track.mood,
        "duration": track.duration,
        "status": track.status,
        "stage": track.stage,
        "progress": round(float(track.progress), 4),
        "error": track.error or None,
        "seed": track.seed,
        "tempo_bpm": track.tempo_bpm,
        "key": track.key or None,
        "instruments": list(track.instruments or []),
        "delivered": dict(track.delivered or {}),
        "is_favorite": track.is_favorite,
        "is_public": track.is_public,
        "share_url": share_url(track, request),
        "play_count": track.play_count,
        "download_count": track.download_count,
        "created_at": track.created_at,
        "finished_at": track.finished_at,
        "generation_ms": track.generation_ms,
        "files": track_files(track, request),
    }


# --- response schemas (they document the API and are checked by the schema fuzz test) ---


class ErrorOut(Schema):
    error: str = Field(description="What went wrong, for a person.")
    code: str = Field(description="A stable machine code, e.g. not_found, validation_error, rate_limited.")
    details: dict[str, Any] = Field(description="Specifics, e.g. {'fields': {'duration': '...'}} on 422.")


# Output models are plain pydantic models: ninja's Schema routes every attribute
# read through a Django-aware getter, which costs ~1 ms per track in a list.


class TrackFiles(BaseModel):
    mp3: str | None
    wav: str | None
    flac: str | None
    ogg: str | None
    midi: str | None
    stems: str | None
    peaks: str | None


class TrackOut(BaseModel):
    id: uuid.UUID
    title: str
    prompt: str
    genre: str
    mood: str
    duration: int
    status: Literal["queued", "running", "ready", "failed"]
    stage: str
    progress: float = Field(ge=0, le=1)
    error: str | None
    seed: int
    tempo_bpm: int | None
    key: str | None
    instruments: list[str]
    delivered: dict[str, Any] = Field(description="Tempo and key measured from the finished audio.")
    is_favorite: bool
    is_public: bool
    share_url: str | None
    play_count: int
    download_count: int
    created_at: dt.datetime
    finished_at: dt.datetime | None
    generation_ms: int | None
    files: TrackFiles


class HealthOut(Schema):
    status: Literal["ok"]
    version: str


class DbHealthOut(Schema):
    status: Literal["ok"]
    latency_ms: float


class DbHealthDownOut(Schema):
    status: Literal["unavailable"]
    error: str
    code: str
    details: dict[str, Any]


class StrictIn(Schema):
    # Unknown fields are refused (422) rather than silently ignored, so typos show.
    model_config = ConfigDict(extra="forbid")
