"""Periodic maintenance for the embedded default (``manage.py run``), without cron.

Production schedules the maintenance commands with systemd timers or cron
(docs/operations.md, deploy/systemd/). A laptop running ``make run`` has neither, so
``manage.py run`` starts a :class:`Housekeeper` thread that runs the same commands —
``cleanup_guests`` (guests, request statistics, task results, sessions, heartbeats)
and ``analyze_db`` — once a day. Stale-track recovery needs nothing here: every
generation worker runs it every 30 s.

When each job last succeeded is kept in ``DATA_DIR/housekeeping.json``, so a laptop
that runs Himig an hour a day still gets its daily clean-up (a run is due at the first
check after start-up when a day has passed), and a restart does not repeat it.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import connections
from django.utils import timezone

logger = logging.getLogger(__name__)

CHECK_EVERY_S = 15 * 60


@dataclass(frozen=True)
class Job:
    name: str
    every: dt.timedelta
    run: Callable[[], str]


def _command(name: str) -> Callable[[], str]:
    def run() -> str:
        out = io.StringIO()
        call_command(name, stdout=out)
        return out.getvalue().strip()

    return run


JOBS: tuple[Job, ...] = (
    Job("cleanup_guests", dt.timedelta(days=1), _command("cleanup_guests")),
    Job("analyze_db", dt.timedelta(days=1), _command("analyze_db")),
)


def state_file() -> Path:
    return Path(settings.DATA_DIR) / "housekeeping.json"


def _load(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def last_runs(path: Path | None = None) -> dict[str, dt.datetime]:
    """When each job last succeeded (jobs never run are absent)."""
    runs: dict[str, dt.datetime] = {}
    for name, value in _load(path or state_file()).items():
        try:
            runs[name] = dt.datetime.fromisoformat(value)
        except (TypeError, ValueError):
            continue
    return runs


def run_due(now: dt.datetime | None = None, *, jobs: tuple[Job, ...] = JOBS, path: Path | None = None) -> list[str]:
    """Run every job whose last success is older than its period; returns the names run.

    A failing job is logged and retried at the next check; the others still run.
    """
    path = path or state_file()
    now = now or timezone.now()
    done = last_runs(path)
    ran: list[str] = []
    for job in jobs:
        last = done.get(job.name)
        if last is not None and now - last < job.every:
            continue
        try:
            summary = job.run()
        except Exception:  # noqa: BLE001 - one failing job must not stop the others or the loop
            logger.exception("housekeeping: %s failed; retrying at the next check", job.name)
            continue
        logger.info("housekeeping: %s", summary or job.name)
        ran.append(job.name)
        state = _load(path)
        state[job.name] = now.isoformat()
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, indent=1, sort_keys=True))
        tmp.replace(path)
    return ran


class Housekeeper:
    """A daemon thread: first check after ``delay_s``, then every ``every_s`` seconds."""

    def __init__(self, delay_s: float, every_s: float = CHECK_EVERY_S, jobs: tuple[Job, ...] = JOBS) -> None:
        self.delay_s = delay_s
        self.every_s = every_s
        self.jobs = jobs
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="housekeeping", daemon=True)

    def start(self) -> Housekeeper:
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the loop to end; a job in progress is left to finish (or dies with the process)."""
        self._stop.set()
        self._thread.join(timeout)

    def _loop(self) -> None:
        wait = self.delay_s
        while not self._stop.wait(wait):
            try:
                run_due(jobs=self.jobs)
            except Exception:  # noqa: BLE001 - e.g. an unwritable data folder; try again later
                logger.exception("housekeeping check failed")
            finally:
                connections.close_all()
            wait = self.every_s
