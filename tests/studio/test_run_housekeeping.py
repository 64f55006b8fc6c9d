"""``manage.py run`` also runs the daily housekeeping (no cron, no systemd on a laptop)."""

from __future__ import annotations

import json
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from tests.studio.test_run_command import free_port, site  # noqa: F401 - the fixture
from tests.studio.test_worker_integration import Site

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

SEED = """
import datetime as dt
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from himig.accounts.models import User
from himig.ops.models import RequestStat
long_ago = timezone.now() - dt.timedelta(days=400)
RequestStat.objects.create(minute=long_ago, surface="web", status_class="2xx", count=1, total_ms=3)
DBTaskResult.objects.create(status="SUCCESSFUL", finished_at=long_ago, args_kwargs={"args": [], "kwargs": {}},
    queue_name="cpu", backend_name="default", run_after=dt.datetime(9999, 1, 1, tzinfo=dt.UTC),
    task_path="himig.studio.tasks.run_generation")
guest = User.objects.create_guest()
User.objects.filter(pk=guest.pk).update(date_joined=long_ago)
"""


def counts(data_dir: Path) -> tuple[int, int, int]:
    with sqlite3.connect(data_dir / "himig.sqlite3", timeout=20) as db:
        return tuple(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # type: ignore[return-value]
                     for table in ("ops_requeststat", "django_tasks_database_dbtaskresult", "accounts_user"))


def test_run_prunes_old_rows_and_analyzes_without_any_scheduler(site: Site) -> None:  # noqa: F811
    site.manage("shell", "-c", SEED)
    assert counts(site.data_dir) == (1, 1, 1)
    run = site.spawn("run", "--port", str(free_port()), log="run.log", HIMIG_HOUSEKEEPING_DELAY_S="1")
    log = site.data_dir / "run.log"
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            text = log.read_text() if log.exists() else ""
            if "housekeeping: analyze_db" in text:
                break
            assert run.poll() is None, text
            time.sleep(0.3)
    finally:
        run.send_signal(signal.SIGTERM)
        code = run.wait(timeout=60)
    text = log.read_text()
    assert code == 0, text
    assert "housekeeping: cleanup_guests: removed 1 guests" in text, text
    # The statistics of the web requests of this run may be there; the 400-day-old row is not.
    with sqlite3.connect(site.data_dir / "himig.sqlite3", timeout=20) as db:
        assert db.execute("SELECT COUNT(*) FROM ops_requeststat WHERE minute < '2026-01-01'").fetchone() == (0,)
        assert db.execute("SELECT COUNT(*) FROM django_tasks_database_dbtaskresult").fetchone() == (0,)
        assert db.execute("SELECT COUNT(*) FROM accounts_user").fetchone() == (0,)
    assert set(json.loads((site.data_dir / "housekeeping.json").read_text())) == {"cleanup_guests", "analyze_db"}


def test_no_housekeeping_leaves_it_to_the_scheduler(site: Site) -> None:  # noqa: F811
    site.manage("shell", "-c", SEED)
    run = site.spawn("run", "--port", str(free_port()), "--no-worker", "--no-housekeeping", log="run.log",
                     HIMIG_HOUSEKEEPING_DELAY_S="0")
    log = site.data_dir / "run.log"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and "Listening at" not in (log.read_text() if log.exists() else ""):
            assert run.poll() is None, log.read_text()
            time.sleep(0.3)
        time.sleep(3)
    finally:
        run.send_signal(signal.SIGTERM)
        assert run.wait(timeout=60) == 0
    assert "housekeeping:" not in log.read_text()
    assert counts(site.data_dir) == (1, 1, 1)
    assert not (site.data_dir / "housekeeping.json").exists()
