"""Real workers against a real database file: the queue → worker → storage path end to end.

Each test gets its own data directory (SQLite file, media), migrates it with
``manage.py migrate``, asks for a track through ``request_generation`` in a
``manage.py shell`` (so the enqueue really happens on commit), and then runs the
real worker processes — ``manage.py db_worker`` (django-tasks-db's) and our
``generation_worker`` — reading the outcome straight from the database file.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


class Site:
    def __init__(self, data_dir: Path, **env: str) -> None:
        self.data_dir = data_dir
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "himig.settings",
            "HIMIG_DATA_DIR": str(data_dir),
            "HIMIG_SECRET_KEY": "integration-test",
            "HIMIG_STATIC_MANIFEST": "0",
            "PYTHONUNBUFFERED": "1",
            **env,
        }
        self.env.pop("DATABASE_URL", None)
        self.env.pop("HIMIG_TASKS_BACKEND", None)

    def manage(self, *args: str, timeout: float = 180) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True,
            timeout=timeout,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    def spawn(self, *args: str, log: str = "worker.log", **env: str) -> subprocess.Popen[bytes]:
        handle = open(self.data_dir / log, "ab")  # noqa: SIM115 - closed with the process
        return subprocess.Popen([sys.executable, "manage.py", *args], cwd=ROOT, env={**self.env, **env},
                                stdout=handle, stderr=subprocess.STDOUT)

    def request_track(self, duration: int) -> str:
        code = (
            "from himig.accounts.models import User\n"
            "from himig.studio.services import request_generation\n"
            "u = User.objects.create_user('worker@example.com', 'pw-long-enough-1')\n"
            f"t = request_generation(u, {{'prompt': 'calm piano for studying', 'duration': {duration}, 'seed': 3}})\n"
            "print('TRACK', t.pk)\n"
        )
        out = self.manage("shell", "-c", code)
        return next(line.split()[1] for line in out.splitlines() if line.startswith("TRACK"))

    def track(self, track_id: str) -> dict:
        with sqlite3.connect(self.data_dir / "himig.sqlite3", timeout=20) as db:
            db.row_factory = sqlite3.Row
            row = db.execute("SELECT * FROM studio_track WHERE id = ?", (track_id.replace("-", ""),)).fetchone()
        assert row is not None
        return dict(row)

    def wait_for(self, track_id: str, predicate, timeout: float, proc: subprocess.Popen | None = None) -> dict:
        deadline = time.monotonic() + timeout
        seen: list[str] = []
        while time.monotonic() < deadline:
            row = self.track(track_id)
            step = f"{row['status']}/{row['stage']}"
            if not seen or seen[-1] != step:
                seen.append(step)
            if predicate(row):
                row["_seen"] = seen
                return row
            if proc is not None and proc.poll() is not None:
                break
            time.sleep(0.05)
        log = (self.data_dir / "worker.log").read_text()[-3000:] if (self.data_dir / "worker.log").exists() else ""
        raise AssertionError(f"track never matched; saw {seen}; worker log:\n{log}")


@pytest.fixture
def site(tmp_path: Path) -> Site:
    made = Site(tmp_path / "data", HIMIG_STALE_AFTER_S="5")
    made.data_dir.mkdir()
    made.manage("migrate", "--noinput", "-v", "0")
    made.manage("createcachetable")
    return made


def assert_ready_with_files(site: Site, row: dict) -> None:
    assert row["status"] == "ready", row["error"]
    assert row["progress"] == 1.0 and row["stage"] == "ready"
    files = json.loads(row["files"])
    for kind in ("mp3", "flac", "midi", "stems", "peaks"):
        path = site.data_dir / "media" / files[kind]
        assert path.is_file() and path.stat().st_size > 0, kind
    metadata = json.loads(row["metadata"])
    assert metadata["duration_s"] == pytest.approx(15, abs=0.05)
    assert row["generation_ms"] > 0


def test_db_worker_takes_a_track_from_queued_to_ready(site: Site) -> None:
    track_id = site.request_track(15)
    assert site.track(track_id)["status"] == "queued"
    worker = site.spawn("db_worker", "--queue-name", "cpu", "--interval", "0.1", "--no-startup-delay", "--no-reload")
    try:
        row = site.wait_for(track_id, lambda r: r["status"] in ("ready", "failed"), timeout=300, proc=worker)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
    assert_ready_with_files(site, row)
    # The stages the worker reported were seen from outside, in order.
    stages = [step.split("/")[1] for step in row["_seen"]]
    assert stages[0] == "queued" and stages[-1] == "ready"
    assert any(stage in stages for stage in ("composing", "rendering", "mastering", "encoding"))
    with sqlite3.connect(site.data_dir / "himig.sqlite3") as db:
        names = [name for (name,) in db.execute("SELECT name FROM ops_event ORDER BY id")]
    assert "music_generation_requested" in names and "music_generation_completed" in names


def test_a_killed_worker_is_recovered_and_the_track_finishes(site: Site) -> None:
    track_id = site.request_track(15)
    worker = site.spawn("generation_worker", "--no-warm-up")
    site.wait_for(track_id, lambda r: r["status"] == "running", timeout=180, proc=worker)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()
    killed = site.track(track_id)
    assert killed["status"] == "running" and killed["attempts"] == 1

    time.sleep(5.5)  # HIMIG_STALE_AFTER_S=5: the dead worker's heartbeat goes stale
    assert "requeued 1" in site.manage("recover_tracks")
    assert site.track(track_id)["status"] == "queued"
    # The next worker judges staleness by the default: on a busy machine a live job's
    # stages can be more than 5 s apart, and it must not take its own track for dead.
    second = site.spawn("generation_worker", "--no-warm-up", HIMIG_STALE_AFTER_S="120")
    try:
        row = site.wait_for(track_id, lambda r: r["status"] in ("ready", "failed"), timeout=300, proc=second)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=60)
    assert_ready_with_files(site, row)
    assert row["attempts"] == 2
    # Nothing of the killed attempt is left behind in storage.
    files = set(json.loads(row["files"]).values())
    folder = site.data_dir / "media" / "tracks"
    on_disk = {str(p.relative_to(site.data_dir / "media")) for p in folder.rglob("*") if p.is_file()}
    assert on_disk == files


def test_a_killed_worker_with_no_attempts_left_fails_the_track_with_a_reason(site: Site) -> None:
    site.env["HIMIG_GENERATION_MAX_ATTEMPTS"] = "1"
    track_id = site.request_track(15)
    worker = site.spawn("generation_worker", "--no-warm-up")
    site.wait_for(track_id, lambda r: r["status"] == "running", timeout=180, proc=worker)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()
    time.sleep(5.5)
    out = site.manage("recover_tracks")
    assert "failed 1" in out
    row = site.track(track_id)
    assert row["status"] == "failed"
    assert "worker stopped" in row["error"] and "after 1 attempt" in row["error"]
