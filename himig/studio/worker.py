"""What a generation worker does with one track, and how lost jobs are found again.

Ownership of a track is claimed with one conditional UPDATE (checked by row count)
and every later write repeats the condition, so two workers never both deliver the
same track: the one that lost the claim notices on its next write and stops.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import close_old_connections, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from himig.engine.errors import EngineError
from himig.engine.request import GenerationRequest
from himig.ops.events import record_event
from himig.studio import services
from himig.studio.models import Track

logger = logging.getLogger(__name__)

# Made by the worker: MP3 for the player, FLAC as the lossless master from which WAV
# and OGG are derived on first download (see files.py), MIDI, stems, peaks.
WORKER_FORMATS: tuple[str, ...] = ("mp3", "flac")
PROGRESS_EVERY_S = 0.25
_engine_lock = threading.Lock()
_warmed = False


class Superseded(Exception):
    """This worker no longer owns the track (deleted, or recovered and claimed elsewhere)."""


def worker_identity(pid: int | None = None) -> str:
    return f"{socket.gethostname()[:80]}:{pid or os.getpid()}"


def release_tracks(worker_id: str) -> int:
    """Queue again, at once, the tracks a worker that was stopped mid-job still holds.

    ``manage.py run`` calls this after it had to kill its worker (Ctrl-C during a long
    job), so the track restarts with the next worker instead of waiting to go stale.
    """
    held = list(Track.objects.filter(status=Track.Status.RUNNING, worker_id=worker_id).values_list("pk", flat=True))
    released = 0
    for track_id in held:
        if Track.objects.filter(pk=track_id, status=Track.Status.RUNNING, worker_id=worker_id).update(
            status=Track.Status.QUEUED, stage="queued", progress=0.0, worker_id="", heartbeat_at=None
        ):
            released += 1
            services.enqueue_generation(track_id)
    return released


def get_engine() -> Any:
    """The process's engine, warmed once (model and SoundFont loaded before the first job)."""
    global _warmed
    from himig.engine.pipeline import default_engine

    engine = default_engine()
    with _engine_lock:
        if not _warmed:
            started = time.perf_counter()
            engine.warm_up()
            _warmed = True
            logger.info("engine warmed up in %.0f ms", (time.perf_counter() - started) * 1000)
    return engine


_UNCHANGED: Any = object()


def beat_worker(
    worker_id: str, *, current_track: Any = _UNCHANGED, done: bool = False, backend: str | None = None
) -> None:
    """Record that this worker process is alive (ops dashboard, queue-wait messages)."""
    from himig.ops.models import WorkerHeartbeat

    now = timezone.now()
    updates: dict[str, Any] = {"last_seen": now}
    if current_track is not _UNCHANGED:
        updates["current_track"] = current_track
    if done:
        updates["tasks_done"] = F("tasks_done") + 1
    if not WorkerHeartbeat.objects.filter(worker_id=worker_id).update(**updates):
        WorkerHeartbeat.objects.get_or_create(
            worker_id=worker_id,
            defaults={
                "hostname": socket.gethostname()[:120],
                "pid": os.getpid(),
                "backend": backend or settings.HIMIG_TASKS_BACKEND,
                "queue": settings.HIMIG_GENERATION_QUEUE,
                "current_track": None if current_track is _UNCHANGED else current_track,
            },
        )


def claim(track_id: str, worker_id: str) -> Track | None:
    """Take the track if it is queued, or running on a worker that went silent."""
    now = timezone.now()
    stale = now - dt.timedelta(seconds=settings.HIMIG_STALE_AFTER_S)
    claimed = (
        Track.objects.filter(pk=track_id, attempts__lt=settings.HIMIG_GENERATION_MAX_ATTEMPTS)
        .filter(Q(status=Track.Status.QUEUED) | Q(status=Track.Status.RUNNING, heartbeat_at__lt=stale))
        .update(
            status=Track.Status.RUNNING,
            stage="starting",
            progress=0.0,
            error="",
            attempts=F("attempts") + 1,
            worker_id=worker_id,
            heartbeat_at=now,
            started_at=now,
        )
    )
    if claimed != 1:
        return None
    return Track.objects.select_related("user").get(pk=track_id)


class Job:
    """One attempt at one track by this worker."""

    def __init__(self, track: Track, worker_id: str) -> None:
        self.track = track
        self.worker_id = worker_id
        self.attempt = track.attempts
        self.started = time.perf_counter()
        self._last_write = 0.0
        self._last_stage = ""
        self.stored: list[str] = []

    def mine(self) -> Any:
        return Track.objects.filter(
            pk=self.track.pk, status=Track.Status.RUNNING, worker_id=self.worker_id, attempts=self.attempt
        )

    def progress(self, stage: str, fraction: float) -> None:
        """The engine's progress callback: stage and fraction to the row, plus a heartbeat."""
        now = time.perf_counter()
        if stage == self._last_stage and now - self._last_write < PROGRESS_EVERY_S:
            return
        self._last_stage, self._last_write = stage, now
        if not self.mine().update(stage=stage, progress=round(min(max(fraction, 0.0), 0.99), 3),
                                  heartbeat_at=timezone.now()):
            raise Superseded(str(self.track.pk))
        beat_worker(self.worker_id, current_track=self.track.pk)

    def store(self, files: dict[str, Path]) -> dict[str, str]:
        """Copy the engine's files into the default storage (local disk or S3)."""
        folder = f"{services.track_folder(self.track)}/{self.attempt}"
        names: dict[str, str] = {}
        for kind, path in files.items():
            with open(path, "rb") as handle:
                name = default_storage.save(f"{folder}/{path.name}", File(handle, name=path.name))
            self.stored.append(name)
            names[kind] = name
        return names


def _request_of(track: Track) -> GenerationRequest:
    params = services.requested_settings(track)
    return GenerationRequest.create(
        params["prompt"], params["duration"], genre=params["genre"], mood=params["mood"],
        tempo_bpm=params["tempo_bpm"], key=params["key"], instruments=params["instruments"], seed=track.seed,
    )


def generate_track(track_id: str, worker_id: str | None = None) -> str:
    """Run one generation end to end. Returns ``ready``, ``failed``, ``skipped`` or ``superseded``."""
    worker_id = worker_id or worker_identity()
    track = claim(track_id, worker_id)
    if track is None:
        # Someone else has it, it finished, it was deleted, or its attempts ran out.
        return "skipped"
    job = Job(track, worker_id)
    beat_worker(worker_id, current_track=track.pk)
    # Leftovers of an earlier attempt that died while saving are never referenced: drop them.
    services.remove_files(services.stored_names(services.track_folder(track)))
    try:
        request = _request_of(track)
        engine = get_engine()
        with tempfile.TemporaryDirectory(prefix="himig-job-") as out_dir:
            result = engine.generate(
                request, out_dir, formats=WORKER_FORMATS, midi=True, stems=True, progress=job.progress
            )
            job.progress("saving", 0.95)
            names = job.store(result.files)
        _finish(job, result.metadata, names, request)
        return "ready"
    except Superseded:
        logger.warning("track %s was taken over or deleted; discarding this attempt", track_id)
        services.remove_files(job.stored)
        return "superseded"
    except EngineError as exc:
        _fail(job, str(exc))
        return "failed"
    except Exception as exc:  # noqa: BLE001 - a bug must fail the track with a reason, not leave it running
        logger.exception("generation of track %s failed", track_id)
        _fail(job, f"Himig hit an internal error while making this track ({type(exc).__name__}). You can retry it.")
        return "failed"
    finally:
        beat_worker(worker_id, current_track=None, done=True)
        # Between jobs, as between requests; never inside a caller's transaction (a
        # test, a shell): on PostgreSQL that would close the connection under it.
        if not connection.in_atomic_block:
            close_old_connections()


def _finish(job: Job, metadata: dict[str, Any], names: dict[str, str], request: GenerationRequest) -> None:
    track = job.track
    generation_ms = round((time.perf_counter() - job.started) * 1000)
    metadata = dict(metadata)
    metadata["requested"] = {
        "genre": track.genre, "mood": track.mood, "tempo_bpm": track.tempo_bpm, "key": track.key,
        "instruments": list(track.instruments),
    }
    engine_info = metadata.get("engine") or {}
    genre = metadata.get("genre") if isinstance(metadata.get("genre"), str) else None
    mood = metadata.get("mood") if isinstance(metadata.get("mood"), str) else None
    with transaction.atomic():
        done = job.mine().update(
            status=Track.Status.READY,
            stage="ready",
            progress=1.0,
            error="",
            # The row shows what the engine chose; the request is kept in metadata["requested"].
            genre=genre or track.genre,
            mood=mood or track.mood,
            metadata=metadata,
            delivered=metadata.get("delivered") or {},
            files=names,
            engine_name=str(engine_info.get("name", ""))[:40],
            engine_version=str(engine_info.get("version", ""))[:20],
            generation_ms=generation_ms,
            finished_at=timezone.now(),
            heartbeat_at=timezone.now(),
        )
        if not done:
            raise Superseded(str(track.pk))
        record_event(
            "music_generation_completed",
            track.user,
            track_id=str(track.pk),
            genre=genre or track.genre,
            mood=mood or track.mood,
            duration=track.duration,
            generation_ms=generation_ms,
            source=track.source,
            attempts=job.attempt,
        )


def _fail(job: Job, reason: str) -> None:
    track = job.track
    services.remove_files(job.stored)
    failed = job.mine().update(
        status=Track.Status.FAILED, error=reason[:2000], finished_at=timezone.now(), files={}
    )
    if failed:
        record_event(
            "music_generation_failed", track.user, track_id=str(track.pk), reason=reason[:200],
            attempts=job.attempt, duration=track.duration,
        )


# --- recovery -------------------------------------------------------------------


def _task_pending(track: Track, now: dt.datetime) -> bool:
    """Is the track's task still waiting on the queue (or running and recently started)?"""
    from django_tasks import TaskResultStatus
    from django_tasks.exceptions import TaskResultDoesNotExist

    from himig.studio.tasks import run_generation

    if not track.task_id:
        return False
    try:
        result = run_generation.get_result(track.task_id)
    except (TaskResultDoesNotExist, NotImplementedError, ValueError):
        return False
    if result.status == TaskResultStatus.READY:
        return True
    if result.status == TaskResultStatus.RUNNING:
        started = result.started_at or now
        return now - started < dt.timedelta(seconds=settings.HIMIG_STALE_AFTER_S)
    return False


def recover_stale_tracks(now: dt.datetime | None = None) -> dict[str, int]:
    """Make sure no track stays queued or running forever.

    * running, and its worker silent for ``HIMIG_STALE_AFTER_S``: queued again while
      attempts remain, otherwise failed with the reason;
    * queued with no task waiting for it (lost enqueue, dead worker between taking the
      task and claiming the track): enqueued again.
    """
    now = now or timezone.now()
    stale_after = dt.timedelta(seconds=settings.HIMIG_STALE_AFTER_S)
    cutoff = now - stale_after
    max_attempts = settings.HIMIG_GENERATION_MAX_ATTEMPTS
    counts = {"requeued": 0, "failed": 0, "reenqueued": 0}

    stale = Track.objects.filter(status=Track.Status.RUNNING).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
    )
    for track in stale.select_related("user"):
        same = Track.objects.filter(pk=track.pk, status=Track.Status.RUNNING, attempts=track.attempts,
                                    heartbeat_at=track.heartbeat_at)
        if track.attempts >= max_attempts:
            reason = (
                f"The generation worker stopped while making this track, after {track.attempts} "
                f"attempt{'s' if track.attempts != 1 else ''}. You can retry it."
            )
            if same.update(status=Track.Status.FAILED, error=reason, finished_at=now, worker_id=""):
                counts["failed"] += 1
                services.remove_files(services.stored_names(services.track_folder(track)))
                record_event("music_generation_failed", track.user, track_id=str(track.pk), reason=reason,
                             attempts=track.attempts, duration=track.duration)
        elif same.update(status=Track.Status.QUEUED, stage="queued", progress=0.0, worker_id=""):
            counts["requeued"] += 1
            logger.warning("track %s: worker %s went silent; queued again (attempt %d of %d done)",
                           track.pk, track.worker_id, track.attempts, max_attempts)
            services.enqueue_generation(track.pk)

    # A queued track younger than this is probably just waiting for its on_commit enqueue.
    grace = now - min(stale_after, dt.timedelta(seconds=30))
    for track in Track.objects.filter(status=Track.Status.QUEUED, created_at__lt=grace).select_related("user"):
        if track.attempts >= max_attempts:
            reason = f"This track could not be generated after {track.attempts} attempts. You can retry it."
            if Track.objects.filter(pk=track.pk, status=Track.Status.QUEUED).update(
                status=Track.Status.FAILED, error=reason, finished_at=now
            ):
                counts["failed"] += 1
            continue
        if not _task_pending(track, now):
            counts["reenqueued"] += 1
            services.enqueue_generation(track.pk)
    return counts
