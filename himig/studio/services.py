"""The studio's flows, shared by the HTML views and the JSON API.

Everything a person can do with a track goes through here, so the web pages and
the API can never disagree about validation, limits, privacy or events.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import logging
import secrets
import uuid
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from himig.engine.errors import InvalidRequest
from himig.engine.request import GenerationRequest
from himig.ops.events import record_event
from himig.ratelimit import RateLimit, RateLimited, hit
from himig.studio.models import Track

logger = logging.getLogger(__name__)

NON_FIELD = "__all__"  # same key Django forms use for errors that belong to no single field
TITLE_LENGTH = 60
MAX_PAGE = 100

__all__ = [
    "GenerationRejected",
    "ChangeRejected",
    "TrackNotReady",
    "RateLimited",
    "request_generation",
    "enqueue_generation",
    "list_tracks",
    "get_track_for",
    "get_public_track",
    "update_track",
    "delete_track",
    "retry_track",
    "regenerate",
    "queue_info",
    "count_play",
]


class Rejected(Exception):
    """A request the studio refuses, with the field it concerns and a message for a person."""

    def __init__(self, field: str, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.code = code


class GenerationRejected(Rejected):
    """Bad generation input, a guest limit, or an Idempotency-Key reused for another request."""


class ChangeRejected(Rejected):
    """A change to an existing track that cannot be made (empty title, retrying a ready track…)."""


class TrackNotReady(Exception):
    """A file of a track that has not finished (callers answer 409)."""

    def __init__(self, track: Track) -> None:
        super().__init__(f"The track is {track.status}; its files are not ready yet.")
        self.track = track


# --- asking for a track ----------------------------------------------------------


def _text(params: Mapping[str, Any], name: str) -> str | None:
    value = params.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise GenerationRejected(name, f"{name.replace('_', ' ').capitalize()} must be text.")
    return value


def validate_params(params: Mapping[str, Any]) -> GenerationRequest:
    """``params`` (form or JSON values) → a validated :class:`GenerationRequest`."""
    duration = params.get("duration")
    if duration is None or (isinstance(duration, str) and not duration.strip()):
        raise GenerationRejected("duration", "Choose a duration between 15 and 120 seconds.")
    try:
        return GenerationRequest.create(
            params.get("prompt"),
            duration,
            genre=_text(params, "genre"),
            mood=_text(params, "mood"),
            tempo_bpm=params.get("tempo_bpm"),
            key=_text(params, "key"),
            instruments=params.get("instruments"),
            seed=params.get("seed"),
        )
    except InvalidRequest as exc:
        raise GenerationRejected(exc.field, exc.message) from None


def title_from_prompt(prompt: str) -> str:
    """A short, readable title: the prompt's opening words, cut at a word boundary."""
    text = " ".join(prompt.split()).strip(" .,;:!?")
    if len(text) > TITLE_LENGTH:
        cut = text[:TITLE_LENGTH].rsplit(" ", 1)[0].rstrip(" ,;:-")
        text = (cut or text[:TITLE_LENGTH]) + "…"
    return (text[:1].upper() + text[1:]) or "Untitled track"


def _request_hash(params: Mapping[str, Any]) -> str:
    relevant = {k: params.get(k) for k in sorted(params) if k not in {"wait"}}
    return hashlib.sha256(json.dumps(relevant, sort_keys=True, default=str).encode()).hexdigest()


def _check_guest_limits(user: Any, request: GenerationRequest) -> None:
    if not getattr(user, "is_guest", False):
        return
    longest = settings.HIMIG_GUEST_MAX_DURATION
    if request.duration > longest:
        raise GenerationRejected(
            "duration",
            f"Without an account tracks can be up to {longest} seconds long. Sign up (free) for up to 120 s.",
            code="guest_limit",
        )
    per_day = settings.HIMIG_GUEST_TRACKS_PER_DAY
    since = timezone.now() - dt.timedelta(days=1)
    if Track.objects.filter(user=user, created_at__gte=since).count() >= per_day:
        raise GenerationRejected(
            NON_FIELD,
            f"Without an account you can make {per_day} tracks a day, and you have made them. "
            "Sign up (free) to keep going — your tracks come with you.",
            code="guest_limit",
        )


def request_generation(
    user: Any,
    params: Mapping[str, Any],
    *,
    source: str = "web",
    idempotency_key: str | None = None,
    parent: Track | None = None,
) -> Track:
    """Validate ``params``, apply limits, create a queued Track and enqueue its generation.

    Raises :class:`GenerationRejected` (bad input, guest limits, idempotency conflict)
    or :class:`~himig.ratelimit.RateLimited`. The returned track carries the rate-limit
    state as ``track.rate_limit`` (``None`` for an idempotent replay) so callers can
    put the X-RateLimit headers on their response.
    """
    request_hash = _request_hash(params) if idempotency_key else ""
    if idempotency_key:
        existing = Track.objects.filter(user=user, idempotency_key=idempotency_key).first()
        if existing is not None:
            return _replay(existing, request_hash)

    request = validate_params(params)
    _check_guest_limits(user, request)
    limit: RateLimit = hit("generate", str(user.pk), settings.HIMIG_RATE_GENERATE, settings.HIMIG_RATE_GENERATE_WINDOW)
    if not limit.allowed:  # hit() has recorded the rate_limit_hit event
        raise RateLimited(limit)

    track = Track(
        user=user,
        title=title_from_prompt(request.prompt),
        prompt=request.prompt,
        genre=request.genre or "auto",
        mood=request.mood or "auto",
        duration=request.duration,
        tempo_bpm=request.tempo_bpm,
        key=request.key.name if request.key else "",
        instruments=list(request.instruments),
        seed=request.seed,
        source=source,
        parent=parent,
        idempotency_key=idempotency_key or None,
        request_hash=request_hash,
    )
    try:
        with transaction.atomic():
            track.save()
            record_event(
                "music_generation_requested",
                user,
                track_id=str(track.pk),
                genre=track.genre,
                mood=track.mood,
                duration=track.duration,
                source=source,
                variation_of=str(parent.pk) if parent else None,
            )
            # Only after the row is committed: a worker must never look for a track
            # that does not exist yet (or never will, if this transaction rolls back).
            transaction.on_commit(lambda: enqueue_generation(track.pk))
    except IntegrityError:
        # Two requests with the same Idempotency-Key raced; the other one won.
        existing = Track.objects.filter(user=user, idempotency_key=idempotency_key).first()
        if idempotency_key and existing is not None:
            return _replay(existing, request_hash)
        raise
    track.rate_limit = limit  # type: ignore[attr-defined]
    return track


def _replay(existing: Track, request_hash: str) -> Track:
    if existing.request_hash != request_hash:
        raise GenerationRejected(
            "idempotency_key",
            "This Idempotency-Key was already used for a different request.",
            code="idempotency_conflict",
        )
    existing.rate_limit = None  # type: ignore[attr-defined]
    return existing


def enqueue_generation(track_id: uuid.UUID | str) -> None:
    """Put the track's generation on the task queue and remember the task id.

    A queue that cannot be reached is logged, not raised: the track stays queued and
    the recovery pass enqueues it again, so the site keeps working while workers are down.
    """
    from himig.studio.tasks import run_generation

    try:
        result = run_generation.enqueue(str(track_id))
    except Exception:  # noqa: BLE001 - any backend failure; recovery retries
        logger.exception("could not enqueue the generation of track %s", track_id)
        return
    Track.objects.filter(pk=track_id).update(task_id=str(result.id))


def queue_info(track: Track) -> dict[str, Any]:
    """How long a queued track may wait: tracks ahead of it and workers seen recently."""
    from himig.ops.models import WorkerHeartbeat

    ahead = Track.objects.filter(
        status__in=[Track.Status.QUEUED, Track.Status.RUNNING], created_at__lt=track.created_at
    ).count()
    alive_since = timezone.now() - dt.timedelta(seconds=settings.HIMIG_STALE_AFTER_S)
    workers = WorkerHeartbeat.objects.filter(last_seen__gte=alive_since).count()
    return {"ahead": ahead, "workers": workers}


# --- reading tracks -------------------------------------------------------------


def _encode_cursor(track: Track) -> str:
    raw = f"{track.created_at.isoformat()}|{track.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[dt.datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, track_id = raw.split("|", 1)
        when = dt.datetime.fromisoformat(stamp)
        if when.tzinfo is None:
            raise ValueError("naive")
        return when, uuid.UUID(track_id)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ChangeRejected("cursor", "This page link is not valid; start again from the first page.") from None


def filter_tracks(
    qs: QuerySet[Track], *, q: str | None = None, genre: str | None = None, mood: str | None = None,
    favorite: bool | None = None,
) -> QuerySet[Track]:
    if q and q.strip():
        for word in q.split()[:8]:
            qs = qs.filter(Q(title__icontains=word) | Q(prompt__icontains=word))
    if genre and genre.lower() != "auto":
        qs = qs.filter(genre__iexact=genre.strip())
    if mood and mood.lower() != "auto":
        qs = qs.filter(mood__iexact=mood.strip())
    if favorite:
        qs = qs.filter(is_favorite=True)
    return qs


def list_tracks(
    user: Any,
    *,
    q: str | None = None,
    genre: str | None = None,
    mood: str | None = None,
    favorite: bool | None = None,
    cursor: str | None = None,
    limit: int = 20,
) -> tuple[list[Track], str | None]:
    """The user's tracks, newest first, a page at a time.

    Keyset pagination on (created_at, id): pages stay correct while new tracks
    arrive, and each page costs one index range scan however deep it is.
    Raises :class:`ChangeRejected` (field ``cursor``) for a cursor we did not make.
    """
    limit = max(1, min(int(limit), MAX_PAGE))
    qs = filter_tracks(Track.objects.filter(user=user), q=q, genre=genre, mood=mood, favorite=favorite)
    if cursor:
        when, after_id = _decode_cursor(cursor)
        qs = qs.filter(Q(created_at__lt=when) | Q(created_at=when, id__lt=after_id))
    page = list(qs.order_by("-created_at", "-id")[: limit + 1])
    next_cursor = _encode_cursor(page[limit - 1]) if len(page) > limit else None
    return page[:limit], next_cursor


def get_track_for(user: Any, track_id: uuid.UUID | str) -> Track:
    """The user's own track; a missing one and someone else's look the same (DoesNotExist)."""
    if user is None or not getattr(user, "is_authenticated", False):
        raise Track.DoesNotExist
    try:
        wanted = track_id if isinstance(track_id, uuid.UUID) else uuid.UUID(str(track_id))
    except ValueError:
        raise Track.DoesNotExist from None
    return Track.objects.get(pk=wanted, user=user)


def get_public_track(slug: str) -> Track:
    """A shared track by its link; private again or never shared → DoesNotExist."""
    if not slug or len(slug) > 32:
        raise Track.DoesNotExist
    return Track.objects.select_related("user").get(share_slug=slug, is_public=True)


# --- changing tracks ------------------------------------------------------------


def update_track(
    user: Any,
    track: Track,
    *,
    title: str | None = None,
    is_favorite: bool | None = None,
    is_public: bool | None = None,
) -> Track:
    """Rename, favorite or share a track the caller already fetched with :func:`get_track_for`."""
    if track.user_id != getattr(user, "pk", None):
        raise Track.DoesNotExist
    changed: list[str] = []
    if title is not None:
        cleaned = " ".join(str(title).split())
        if not cleaned:
            raise ChangeRejected("title", "Give the track a title.")
        if len(cleaned) > 120:
            raise ChangeRejected("title", f"Keep the title to 120 characters (this one has {len(cleaned)}).")
        if cleaned != track.title:
            track.title = cleaned
            changed.append("title")
    if is_favorite is not None and bool(is_favorite) != track.is_favorite:
        track.is_favorite = bool(is_favorite)
        changed.append("is_favorite")
        record_event("favorite", user, track_id=str(track.pk), on=track.is_favorite)
    if is_public is not None and bool(is_public) != track.is_public:
        track.is_public = bool(is_public)
        # A fresh unguessable slug each time it is shared: making it private kills
        # the old link for good, even if it is shared again later.
        track.share_slug = secrets.token_urlsafe(16) if track.is_public else None
        changed += ["is_public", "share_slug"]
        record_event("share", user, track_id=str(track.pk), on=track.is_public)
    if changed:
        track.save(update_fields=changed)
    return track


def track_folder(track: Track) -> str:
    return f"tracks/{track.user_id}/{track.pk}"


def stored_names(folder: str) -> list[str]:
    """Every file under ``folder`` in the default storage (works for local disk and S3)."""
    names: list[str] = []
    try:
        dirs, files = default_storage.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return names
    names += [f"{folder}/{name}" for name in files]
    for sub in dirs:
        names += stored_names(f"{folder}/{sub}")
    return names


def remove_files(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except Exception:  # noqa: BLE001 - a file already gone must not stop the others
            logger.warning("could not delete stored file %s", name, exc_info=True)


def delete_track(track: Track) -> None:
    """Delete the row and, once that is committed, every file stored for it."""
    # Files may sit under an earlier owner's folder (a guest's tracks claimed at sign-up).
    folders = {track_folder(track)} | {name.rsplit("/", 2)[0] for name in track.files.values() if name.count("/") >= 2}
    names = sorted(set(track.files.values()).union(*(stored_names(folder) for folder in folders)))
    with transaction.atomic():
        record_event("track_deleted", track.user, track_id=str(track.pk))
        track.delete()
        transaction.on_commit(lambda: remove_files(names))


def retry_track(track: Track) -> Track:
    """Queue a failed track again with a fresh attempt budget (same settings, same seed)."""
    if track.status != Track.Status.FAILED:
        raise ChangeRejected("status", "Only a failed track can be retried.", code="not_failed")
    with transaction.atomic():
        updated = Track.objects.filter(pk=track.pk, status=Track.Status.FAILED).update(
            status=Track.Status.QUEUED, stage="queued", progress=0.0, error="", attempts=0,
            worker_id="", heartbeat_at=None, started_at=None, finished_at=None, files={},
        )
        if updated:
            record_event("music_generation_retried", track.user, track_id=str(track.pk))
            transaction.on_commit(lambda: enqueue_generation(track.pk))
    track.refresh_from_db()
    return track


def requested_settings(track: Track) -> dict[str, Any]:
    """What was originally asked for (the row holds resolved genre/mood once ready)."""
    requested = dict(track.metadata.get("requested") or {})
    return {
        "prompt": track.prompt,
        "duration": track.duration,
        "genre": requested.get("genre", track.genre),
        "mood": requested.get("mood", track.mood),
        "tempo_bpm": track.tempo_bpm,
        "key": track.key or None,
        "instruments": list(track.instruments),
    }


def resolved_settings(track: Track) -> dict[str, Any]:
    """What the engine actually chose for a finished track (falls back to the request)."""
    meta = track.metadata or {}
    return {
        "genre": meta.get("genre") or track.genre,
        "mood": meta.get("mood") or track.mood,
        "tempo_bpm": meta.get("tempo_bpm") or track.tempo_bpm,
        "key": meta.get("key") or track.key,
        "instruments": meta.get("instruments") or track.instruments,
    }


def regenerate(user: Any, track: Track, variation: bool = False) -> Track:
    """A new track from the same settings.

    Regenerate: the same request with a new random seed. Variation: the parent's
    resolved genre, mood, tempo and key pinned down and the neighbouring seed, so
    it sounds related but not identical.
    """
    if track.user_id != getattr(user, "pk", None):
        raise Track.DoesNotExist
    params = requested_settings(track)
    if variation:
        chosen = resolved_settings(track)
        params.update({k: v for k, v in chosen.items() if v not in (None, "", [])})
        if isinstance(params.get("tempo_bpm"), float):
            params["tempo_bpm"] = round(params["tempo_bpm"])
        if isinstance(params.get("instruments"), list):
            params["instruments"] = [i for i in params["instruments"] if isinstance(i, str)]
        params["seed"] = (track.seed + 1) % 2**63
    else:
        params["seed"] = None
    return request_generation(user, params, source=track.source, parent=track)


def count_play(track: Track, user: Any = None) -> None:
    from django.db.models import F

    Track.objects.filter(pk=track.pk).update(play_count=F("play_count") + 1)
    record_event("play", user, track_id=str(track.pk), shared=track.user_id != getattr(user, "pk", None))
