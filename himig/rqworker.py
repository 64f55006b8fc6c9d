"""The RQ worker for generations (``HIMIG_TASKS_BACKEND=rq``).

Started as ``manage.py rqworker cpu`` (django-rq's command): settings name this
class as RQ's ``WORKER_CLASS`` and django-tasks-rq's job class as ``JOB_CLASS``.
It adds to RQ what ``manage.py generation_worker`` adds to the database queue:

* the engine warmed once before the first job;
* a heartbeat row in ``ops.WorkerHeartbeat`` (the same identity the running job
  beats under), and a recovery pass (``recover_stale_tracks``) every
  ``RECOVER_EVERY_S`` while idle, so tracks whose worker vanished are queued again.

Why RQ's ``SimpleWorker`` (job in the worker process) and not the forking
``Worker``: a fork per job would give every job a new pid and so a new heartbeat
identity, and would share the parent's open database socket with the child. The
limits RQ's fork gave are kept another way: the job timeout (``RQ_QUEUES``
``DEFAULT_TIMEOUT`` = ``HIMIG_JOB_TIMEOUT_S``) interrupts the job in-process with
SIGALRM, and ``--max-jobs N`` ends the process after N jobs so its supervisor
starts a fresh one (the "max tasks per child" of other queues).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.db import close_old_connections
from rq.worker import SimpleWorker

logger = logging.getLogger("himig.rqworker")

# An idle worker blocks on Redis at most this long between heartbeats.
HEARTBEAT_EVERY_S = 15
RECOVER_EVERY_S = 30.0


class GenerationWorker(SimpleWorker):
    _last_recovery = 0.0

    @property
    def dequeue_timeout(self) -> int:
        # RQ's default blocks for worker_ttl - 15 s (about 7 minutes): far longer than
        # HIMIG_STALE_AFTER_S, so the ops pages would think an idle worker dead.
        return min(HEARTBEAT_EVERY_S, int(super().dequeue_timeout))

    def bootstrap(self, *args: Any, **kwargs: Any) -> None:
        super().bootstrap(*args, **kwargs)
        from himig.studio.worker import beat_worker, get_engine, worker_identity

        beat_worker(worker_identity(), current_track=None, backend="rq")
        get_engine()
        self._recover(force=True)
        close_old_connections()

    def heartbeat(self, *args: Any, **kwargs: Any) -> None:
        super().heartbeat(*args, **kwargs)
        from himig.studio.worker import beat_worker, worker_identity

        try:
            beat_worker(worker_identity(), backend="rq")
            self._recover()
        except Exception:  # noqa: BLE001 - a database hiccup must not stop the worker
            logger.exception("heartbeat or recovery pass failed")
        finally:
            close_old_connections()

    def execute_job(self, job: Any, queue: Any) -> Any:
        # As around a web request: drop connections that went stale while idle.
        close_old_connections()
        try:
            return super().execute_job(job, queue)
        finally:
            close_old_connections()

    def _recover(self, force: bool = False) -> None:
        from himig.studio.worker import recover_stale_tracks

        now = time.monotonic()
        if not force and now - self._last_recovery < RECOVER_EVERY_S:
            return
        self._last_recovery = now
        counts = recover_stale_tracks()
        if any(counts.values()):
            logger.warning("recovery: %s", counts)
