"""The worker's rules, in-process: claiming, progress, storing, failing, recovery.

The real engine runs in test_worker_integration.py; here a small stand-in engine
writes known files so each branch (success, engine error, bug, takeover) is exercised
quickly and exactly.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from himig.engine.errors import RenderFailed
from himig.ops.models import Event, WorkerHeartbeat
from himig.studio import services, worker
from himig.studio.management.commands.run import web_command, worker_command
from himig.studio.models import Track


class StandInEngine:
    """Writes tiny files where the engine would, reporting the engine's stages."""

    def __init__(self, fail: Exception | None = None, during: Any = None) -> None:
        self.fail = fail
        self.during = during
        self.stages: list[str] = []

    def generate(self, request, out_dir, *, formats, midi, stems, progress):
        for stage, fraction in (("composing", 0.05), ("rendering", 0.25), ("mastering", 0.6), ("encoding", 0.75)):
            progress(stage, fraction)
            self.stages.append(stage)
            if self.during and stage == "rendering":
                self.during()
        if self.fail:
            raise self.fail
        out = Path(out_dir)
        files = {}
        for kind, name in [*((f, f"track.{f}") for f in formats), ("midi", "track.mid"), ("stems", "stems.zip"),
                           ("peaks", "peaks.json")]:
            (out / name).write_bytes(b"data:" + kind.encode())
            files[kind] = out / name
        metadata = {"genre": "Jazz", "mood": "Calm", "tempo_bpm": 92.0, "key": "D minor",
                    "engine": {"name": "stand-in", "version": "1"}, "delivered": {"tempo_bpm": 91.7, "key": "D minor"},
                    "duration_s": request.duration}
        return SimpleNamespace(metadata=metadata, files=files)


@pytest.fixture
def queued(user) -> Track:
    return services.request_generation(user, {"prompt": "late night jazz", "duration": 20, "seed": 5})


def test_only_one_worker_can_claim_a_track(queued: Track) -> None:
    assert worker.claim(str(queued.pk), "w1") is not None
    assert worker.claim(str(queued.pk), "w2") is None
    queued.refresh_from_db()
    assert (queued.status, queued.worker_id, queued.attempts) == ("running", "w1", 1)


def test_a_track_out_of_attempts_is_not_claimed(queued: Track, settings) -> None:
    Track.objects.filter(pk=queued.pk).update(attempts=settings.HIMIG_GENERATION_MAX_ATTEMPTS)
    assert worker.claim(str(queued.pk), "w1") is None


def test_a_generation_stores_files_and_finishes_the_track(
    queued: Track, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    engine = StandInEngine()
    monkeypatch.setattr(worker, "get_engine", lambda: engine)
    with django_capture_on_commit_callbacks(execute=True):
        assert worker.generate_track(str(queued.pk), "w1") == "ready"
    track = Track.objects.get(pk=queued.pk)
    assert (track.status, track.stage, track.progress) == ("ready", "ready", 1.0)
    assert engine.stages == ["composing", "rendering", "mastering", "encoding"]
    assert set(track.files) == {"mp3", "flac", "midi", "stems", "peaks"}
    for kind, name in track.files.items():
        assert name.startswith(f"tracks/{track.user_id}/{track.pk}/1/")
        assert default_storage.open(name).read() == b"data:" + kind.encode()
    assert (track.genre, track.mood) == ("Jazz", "Calm")  # what the engine chose
    assert track.metadata["requested"]["genre"] == "auto"  # what was asked
    assert track.delivered == {"tempo_bpm": 91.7, "key": "D minor"}
    assert track.engine_name == "stand-in" and track.generation_ms is not None and track.finished_at
    event = Event.objects.get(name="music_generation_completed")
    assert event.user_id == track.user_id
    assert {k: event.properties[k] for k in ("genre", "mood", "duration")} == {"genre": "Jazz", "mood": "Calm",
                                                                              "duration": 20}
    assert WorkerHeartbeat.objects.get(worker_id="w1").tasks_done == 1


def test_progress_reaches_the_row_while_the_engine_runs(queued: Track, monkeypatch) -> None:
    seen: list[tuple[str, float]] = []

    def look() -> None:
        row = Track.objects.get(pk=queued.pk)
        seen.append((row.stage, row.progress))

    monkeypatch.setattr(worker, "get_engine", lambda: StandInEngine(during=look))
    worker.generate_track(str(queued.pk), "w1")
    assert seen == [("rendering", 0.25)]


def test_an_engine_error_fails_the_track_with_its_message(
    queued: Track, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    monkeypatch.setattr(worker, "get_engine", lambda: StandInEngine(fail=RenderFailed("The SoundFont is missing.")))
    with django_capture_on_commit_callbacks(execute=True):
        assert worker.generate_track(str(queued.pk), "w1") == "failed"
    track = Track.objects.get(pk=queued.pk)
    assert (track.status, track.error, track.files) == ("failed", "The SoundFont is missing.", {})
    assert Event.objects.filter(name="music_generation_failed").exists()


def test_a_bug_fails_the_track_with_a_readable_reason(queued: Track, monkeypatch) -> None:
    monkeypatch.setattr(worker, "get_engine", lambda: StandInEngine(fail=ZeroDivisionError("x")))
    assert worker.generate_track(str(queued.pk), "w1") == "failed"
    track = Track.objects.get(pk=queued.pk)
    assert "internal error while making this track (ZeroDivisionError)" in track.error and "retry" in track.error


def test_a_track_deleted_mid_generation_is_abandoned_without_leftovers(queued: Track, monkeypatch) -> None:
    monkeypatch.setattr(worker, "get_engine", lambda: StandInEngine(during=lambda: Track.objects.filter(
        pk=queued.pk).delete()))
    assert worker.generate_track(str(queued.pk), "w1") == "superseded"
    assert services.stored_names(f"tracks/{queued.user_id}/{queued.pk}") == []


def test_a_worker_that_lost_the_track_does_not_deliver_it(queued: Track, monkeypatch) -> None:
    def taken_over() -> None:
        Track.objects.filter(pk=queued.pk).update(worker_id="someone-else", attempts=2)

    monkeypatch.setattr(worker, "get_engine", lambda: StandInEngine(during=taken_over))
    assert worker.generate_track(str(queued.pk), "w1") == "superseded"
    track = Track.objects.get(pk=queued.pk)
    assert track.status == "running" and track.worker_id == "someone-else" and track.files == {}


# --- recovery -----------------------------------------------------------------------


def _stale(track: Track, attempts: int) -> None:
    old = timezone.now() - dt.timedelta(minutes=10)
    Track.objects.filter(pk=track.pk).update(status="running", worker_id="dead", attempts=attempts, heartbeat_at=old,
                                             started_at=old, created_at=old)


def test_recovery_requeues_a_silent_running_track(queued: Track, django_capture_on_commit_callbacks) -> None:
    _stale(queued, 1)
    assert worker.recover_stale_tracks()["requeued"] == 1
    track = Track.objects.get(pk=queued.pk)
    assert (track.status, track.worker_id, track.attempts) == ("queued", "", 1)
    task = DBTaskResult.objects.get(args_kwargs__args=[str(queued.pk)])
    assert str(task.id) == track.task_id


def test_recovery_fails_a_track_after_its_attempts_with_a_reason(queued: Track, settings) -> None:
    _stale(queued, settings.HIMIG_GENERATION_MAX_ATTEMPTS)
    assert worker.recover_stale_tracks()["failed"] == 1
    track = Track.objects.get(pk=queued.pk)
    assert track.status == "failed"
    assert track.error == ("The generation worker stopped while making this track, after 3 attempts. "
                           "You can retry it.")


def test_recovery_leaves_a_live_worker_alone(queued: Track) -> None:
    worker.claim(str(queued.pk), "w1")
    assert worker.recover_stale_tracks() == {"requeued": 0, "failed": 0, "reenqueued": 0}
    assert Track.objects.get(pk=queued.pk).status == "running"


def test_recovery_reenqueues_a_queued_track_whose_task_was_lost(queued: Track) -> None:
    Track.objects.filter(pk=queued.pk).update(created_at=timezone.now() - dt.timedelta(minutes=5))
    # Its task is still waiting on the queue: nothing to do.
    services.enqueue_generation(queued.pk)
    assert worker.recover_stale_tracks()["reenqueued"] == 0
    # The task is gone (pruned, or the queue lost it): enqueue again.
    DBTaskResult.objects.all().delete()
    assert worker.recover_stale_tracks()["reenqueued"] == 1
    assert DBTaskResult.objects.filter(args_kwargs__args=[str(queued.pk)]).count() == 1


def test_the_run_command_starts_gunicorn_and_the_generation_worker() -> None:
    web = web_command("127.0.0.1", 8123, 1, 8)
    assert "gunicorn" in web and "127.0.0.1:8123" in web and "himig.wsgi:application" in web
    assert worker_command()[-3:] == ["generation_worker", "--queue-name", "cpu"]


def test_peaks_json_of_the_engine_is_understood() -> None:
    from himig.studio.cards import peak_values

    assert peak_values({"sample_rate": 44100, "points": 3, "peaks": [0.1, 0.5, 1.0]}) == [0.1, 0.5, 1.0]
    assert peak_values(json.loads("[[0.2, -0.4], [0.1, 0.3]]")) == [0.4, 0.3]


def test_a_stopped_workers_tracks_are_released_to_the_queue_at_once(queued: Track) -> None:
    worker.claim(str(queued.pk), "host:123")
    assert worker.release_tracks("host:999") == 0
    assert worker.release_tracks("host:123") == 1
    track = Track.objects.get(pk=queued.pk)
    assert (track.status, track.worker_id, track.attempts) == ("queued", "", 1)
    assert DBTaskResult.objects.filter(args_kwargs__args=[str(queued.pk)]).exists()
