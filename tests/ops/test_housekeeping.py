"""Retention of operational rows (cleanup_guests) and the embedded daily housekeeping."""

from __future__ import annotations

import datetime as dt
import io
import json
import threading
from pathlib import Path

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from himig.ops import housekeeping
from himig.ops.housekeeping import Housekeeper, Job, last_runs, run_due
from himig.ops.maintenance import prune_request_stats
from himig.ops.models import RequestStat, WorkerHeartbeat

NOW = dt.datetime(2026, 11, 27, 5, 0, tzinfo=dt.UTC)


def cleanup(*args: str) -> str:
    out = io.StringIO()
    call_command("cleanup_guests", *args, stdout=out)
    return out.getvalue().strip()


def stat(minute: dt.datetime, surface: str = "web") -> RequestStat:
    return RequestStat.objects.create(minute=minute, surface=surface, status_class="2xx", count=1, total_ms=5)


def task_result(status: str, finished: dt.datetime | None, queue: str = "cpu") -> DBTaskResult:
    return DBTaskResult.objects.create(
        status=status, finished_at=finished, args_kwargs={"args": [], "kwargs": {}}, queue_name=queue,
        backend_name="default", run_after=dt.datetime(9999, 1, 1, tzinfo=dt.UTC),
        task_path="himig.studio.tasks.run_generation",
    )


# --- request statistics --------------------------------------------------------------


@pytest.mark.django_db
def test_request_statistics_keep_whole_utc_days():
    # 3 days kept = today and the two days before it, from their midnight on.
    first_kept = dt.datetime(2026, 11, 25, 0, 0, tzinfo=dt.UTC)
    stat(first_kept)
    stat(first_kept - dt.timedelta(minutes=1))
    stat(first_kept - dt.timedelta(days=40))  # a long backlog goes too, a day at a time
    stat(NOW)
    assert prune_request_stats(3, NOW, dry_run=True) == 2
    assert RequestStat.objects.count() == 4
    assert prune_request_stats(3, NOW) == 2
    assert sorted(RequestStat.objects.values_list("minute", flat=True)) == [first_kept, NOW]
    assert prune_request_stats(3, NOW) == 0


@pytest.mark.django_db
def test_cleanup_guests_prunes_statistics_older_than_the_setting(settings):
    settings.HIMIG_REQUEST_STATS_RETENTION_DAYS = 90
    now = timezone.now()
    stat(now - dt.timedelta(days=120))
    recent = stat(now - dt.timedelta(days=30))
    out = cleanup()
    assert "1 request-statistics rows" in out and "statistics kept 90 days" in out
    assert list(RequestStat.objects.values_list("pk", flat=True)) == [recent.pk]
    cleanup("--stats-days", "7")
    assert not RequestStat.objects.exists()


# --- task results, sessions, heartbeats --------------------------------------------------


@pytest.mark.django_db
def test_cleanup_guests_prunes_finished_task_results_on_every_queue():
    now = timezone.now()
    old = now - dt.timedelta(days=20)
    task_result("SUCCESSFUL", old, queue="cpu")
    task_result("FAILED", old, queue="default")
    kept = [
        task_result("SUCCESSFUL", now - dt.timedelta(days=2)).pk,
        task_result("READY", None).pk,  # waiting: never pruned, however old
        task_result("RUNNING", None).pk,
    ]
    assert "2 task results" in cleanup("--dry-run")
    assert DBTaskResult.objects.count() == 5
    assert "2 task results" in cleanup()
    assert sorted(DBTaskResult.objects.values_list("pk", flat=True)) == sorted(kept)
    assert "0 task results" in cleanup()


@pytest.mark.django_db
def test_cleanup_guests_clears_expired_sessions_and_long_silent_heartbeats(settings):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    alive = SessionStore()
    alive["x"] = 1
    alive.create()
    expired = SessionStore()
    expired["x"] = 1
    expired.create()
    Session.objects.filter(pk=expired.session_key).update(expire_date=timezone.now() - dt.timedelta(days=1))
    now = timezone.now()
    WorkerHeartbeat.objects.create(worker_id="gone:1", hostname="gone", pid=1, last_seen=now - dt.timedelta(days=8))
    WorkerHeartbeat.objects.create(worker_id="idle:2", hostname="idle", pid=2, last_seen=now - dt.timedelta(days=1))
    out = cleanup()
    assert "1 expired sessions, 1 silent worker heartbeats" in out
    assert list(Session.objects.values_list("pk", flat=True)) == [alive.session_key]
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["idle:2"]


@pytest.mark.django_db
def test_cleanup_guests_refuses_a_retention_below_one_day():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--stats-days"):
        cleanup("--stats-days", "0")


# --- the embedded schedule -------------------------------------------------------------


def recording_jobs(log: list[str], fail: set[str] | None = None) -> tuple[Job, ...]:
    def job(name: str):
        def run() -> str:
            log.append(name)
            if fail and name in fail:
                raise RuntimeError(f"{name} broke")
            return f"{name}: done"

        return run

    return (Job("cleanup", dt.timedelta(days=1), job("cleanup")), Job("analyze", dt.timedelta(days=1), job("analyze")))


def test_jobs_run_once_a_day_and_the_schedule_survives_a_restart(tmp_path: Path):
    state = tmp_path / "housekeeping.json"
    log: list[str] = []
    jobs = recording_jobs(log)
    assert run_due(NOW, jobs=jobs, path=state) == ["cleanup", "analyze"]
    # Minutes later, or after a restart (the state is on disk): nothing is due.
    assert run_due(NOW + dt.timedelta(hours=23), jobs=recording_jobs(log), path=state) == []
    assert last_runs(state) == {"cleanup": NOW, "analyze": NOW}
    # A laptop started two days later runs them at its first check.
    assert run_due(NOW + dt.timedelta(days=2), jobs=jobs, path=state) == ["cleanup", "analyze"]
    assert log == ["cleanup", "analyze", "cleanup", "analyze"]


def test_a_failing_job_is_retried_at_the_next_check_and_does_not_block_the_others(tmp_path: Path, caplog):
    state = tmp_path / "housekeeping.json"
    log: list[str] = []
    assert run_due(NOW, jobs=recording_jobs(log, fail={"cleanup"}), path=state) == ["analyze"]
    assert "cleanup failed" in caplog.text
    assert run_due(NOW + dt.timedelta(minutes=15), jobs=recording_jobs(log), path=state) == ["cleanup"]
    assert log == ["cleanup", "analyze", "cleanup"]


def test_a_damaged_state_file_means_everything_is_due(tmp_path: Path):
    state = tmp_path / "housekeeping.json"
    state.write_text("{not json")
    assert run_due(NOW, jobs=recording_jobs([]), path=state) == ["cleanup", "analyze"]
    assert set(json.loads(state.read_text())) == {"cleanup", "analyze"}


@pytest.mark.django_db
def test_the_real_jobs_are_the_operators_commands(settings, tmp_path: Path, caplog):
    settings.DATA_DIR = tmp_path
    stat(timezone.now() - dt.timedelta(days=400))
    caplog.set_level("INFO", logger="himig.ops.housekeeping")
    assert run_due() == ["cleanup_guests", "analyze_db"]
    assert not RequestStat.objects.exists()
    assert "housekeeping: cleanup_guests: removed 0 guests" in caplog.text
    assert "housekeeping: analyze_db: ran ANALYZE" in caplog.text
    assert set(last_runs()) == {"cleanup_guests", "analyze_db"}
    assert (tmp_path / "housekeeping.json").exists()


def test_the_thread_checks_after_its_delay_and_stops_promptly(settings, tmp_path: Path):
    settings.DATA_DIR = tmp_path
    ran = threading.Event()

    def job() -> str:
        ran.set()
        return "ok"

    keeper = Housekeeper(delay_s=0.05, every_s=3600, jobs=(Job("probe", dt.timedelta(days=1), job),)).start()
    try:
        assert ran.wait(10)
    finally:
        keeper.stop(timeout=5)
    assert not keeper._thread.is_alive()
    assert "probe" in last_runs(housekeeping.state_file())
