"""``manage.py generation_worker``: one generation worker on the database queue.

It is django-tasks-db's own worker loop (the same one ``manage.py db_worker`` runs)
plus what a generation worker needs around it: the engine warmed once before the
first job, a heartbeat the ops pages and queue-wait messages read, and a periodic
recovery pass so a track whose worker died never stays running forever.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from himig.engine.errors import EngineError
from himig.studio.worker import beat_worker, get_engine, recover_stale_tracks, worker_identity

logger = logging.getLogger("himig.studio.worker")


def _housekeeping(worker_id: str, every_s: float, stop: threading.Event) -> None:
    while not stop.wait(every_s):
        try:
            beat_worker(worker_id)
            counts = recover_stale_tracks()
            if any(counts.values()):
                logger.warning("recovery: %s", counts)
        except Exception:  # noqa: BLE001 - a busy database must not kill the worker; try next round
            logger.exception("recovery pass failed")
        finally:
            close_old_connections()


class Command(BaseCommand):
    help = "Run a generation worker: warm the engine, process the queue, recover stale tracks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--queue-name", default=settings.HIMIG_GENERATION_QUEUE,
                            help="Queues to process, comma-separated (default: %(default)s).")
        parser.add_argument("--interval", type=float, default=0.25,
                            help="Seconds between polls of an empty queue (default: %(default)s).")
        parser.add_argument("--recover-every", type=float, default=30.0,
                            help="Seconds between recovery passes and heartbeats (default: %(default)s).")
        parser.add_argument("--max-tasks", type=int, default=None, help="Exit after this many tasks.")
        parser.add_argument("--no-warm-up", action="store_true", help="Load the engine on the first job instead.")

    def handle(self, *args: Any, **options: Any) -> None:
        from django_tasks_db.management.commands.db_worker import Worker

        worker_id = worker_identity()
        logging.getLogger("django_tasks_db").setLevel(logging.INFO)
        beat_worker(worker_id, current_track=None, backend="db")
        if not options["no_warm_up"]:
            try:
                get_engine()
            except EngineError as exc:
                # Keep serving the queue: each job then fails with this reason for the person to see,
                # instead of the whole site stopping over, say, a missing SoundFont.
                logger.error("the engine could not warm up: %s", exc)
        # One pass now: tracks orphaned while no worker was running start straight away.
        recover_stale_tracks()
        close_old_connections()
        stop = threading.Event()
        threading.Thread(
            target=_housekeeping, args=(worker_id, options["recover_every"], stop), daemon=True, name="recovery"
        ).start()
        self.stdout.write(f"Generation worker {worker_id} on queue(s) {options['queue_name']}")
        worker = Worker(
            queue_names=options["queue_name"].split(","),
            interval=options["interval"],
            batch=False,
            backend_name="default",
            startup_delay=False,
            max_tasks=options["max_tasks"],
            worker_id=worker_id[:64],
            excluded_queue_names=[],
        )
        worker.configure_signals()
        try:
            worker.run()
        finally:
            stop.set()
