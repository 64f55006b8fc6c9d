"""A small Himig deployment for tests: real worker processes around one PostgreSQL database.

The test process only starts processes, asks for tracks through ``request_generation``
(inside ``manage.py shell``, so the enqueue happens on commit, as on the site) and
reads the outcome straight from PostgreSQL.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
from psycopg.rows import dict_row

from tests.scale.conftest import PYTHON, ROOT, manage, process_env

TERMINAL = {"ready", "failed"}


class Cluster:
    def __init__(self, data_dir: Path, database_url: str, **env: str) -> None:
        self.data_dir = data_dir
        self.database_url = database_url
        self.env = process_env(
            data_dir,
            DATABASE_URL=database_url,
            DJANGO_SETTINGS_MODULE="himig.settings",
            # 50 generations from one account in a minute: lift the per-user limit.
            HIMIG_RATE_GENERATE="100000",
            **env,
        )
        self.procs: list[subprocess.Popen[bytes]] = []
        data_dir.mkdir(parents=True, exist_ok=True)
        self.manage("migrate", "--noinput", "-v", "0")
        self.manage("createcachetable")

    def manage(self, *args: str, timeout: float = 300) -> str:
        return manage(*args, env=self.env, timeout=timeout).stdout

    def spawn(self, *args: str, log: str) -> subprocess.Popen[bytes]:
        handle = open(self.data_dir / log, "ab")  # noqa: SIM115 - the process holds it
        # A session of its own, so a SIGKILL can take the worker and anything it started.
        proc = subprocess.Popen(
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs.append(proc)
        return proc

    def log(self, name: str) -> str:
        path = self.data_dir / name
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def request_tracks(self, count: int, duration: int = 15) -> list[str]:
        code = (
            "from himig.accounts.models import User\n"
            "from himig.studio.services import request_generation\n"
            "u = User.objects.create_user('scale@example.com', 'pw-long-enough-1')\n"
            f"for i in range({count}):\n"
            f"    t = request_generation(u, {{'prompt': 'calm piano for studying', 'duration': {duration}, 'seed': i}})\n"
            "    print('TRACK', t.pk)\n"
        )
        out = self.manage("shell", "-c", code)
        return [line.split()[1] for line in out.splitlines() if line.startswith("TRACK")]

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        with psycopg.connect(self.database_url, row_factory=dict_row) as db:
            return list(db.execute(sql, params).fetchall())

    def tracks(self) -> list[dict[str, Any]]:
        return self.query(
            "SELECT id::text, status, stage, error, attempts, worker_id, files FROM studio_track"
        )

    def wait(
        self, done: Callable[[list[dict[str, Any]]], bool], timeout: float, what: str
    ) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rows = self.tracks()
            if done(rows):
                return rows
            if self.procs and all(p.poll() is not None for p in self.procs):
                break
            time.sleep(0.5)
        counts: dict[str, int] = {}
        for row in self.tracks():
            counts[row["status"]] = counts.get(row["status"], 0) + 1
        logs = "\n".join(f"--- {p.name}\n{self.log(p.name)}" for p in self.data_dir.glob("*.log"))
        raise AssertionError(f"timed out waiting for {what}: {counts}\n{logs}")

    def completed_events(self) -> dict[str, int]:
        rows = self.query(
            "SELECT properties->>'track_id' AS track, count(*) AS n FROM ops_event "
            "WHERE name = 'music_generation_completed' GROUP BY 1"
        )
        return {row["track"]: row["n"] for row in rows}

    def stored_files(self) -> set[str]:
        media = self.data_dir / "media"
        return {p.relative_to(media).as_posix() for p in media.rglob("*") if p.is_file()}

    def stop(self) -> None:
        """SIGTERM every process still running (a worker finishes its job), then SIGKILL."""
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 60
        for proc in self.procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def referenced_files(rows: list[dict[str, Any]]) -> set[str]:
    names: set[str] = set()
    for row in rows:
        files = row["files"] if isinstance(row["files"], dict) else json.loads(row["files"] or "{}")
        names.update(files.values())
    return names
