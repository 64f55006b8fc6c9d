"""``manage.py run [--port N]``: the web server and one generation worker, together.

Both are child processes of this command. Ctrl-C or SIGTERM stops both cleanly;
if either dies on its own, the other is stopped too and the command exits non-zero,
so a supervisor (or the person at the terminal) notices instead of half a Himig
running silently.

Without cron or systemd timers on a laptop, this command also runs the daily
housekeeping itself (``cleanup_guests`` and ``analyze_db``, see
``himig.ops.housekeeping``) in a background thread; ``--no-housekeeping`` or
``HIMIG_HOUSEKEEPING=0`` leaves that to the operator's scheduler.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

STOP_GRACE_S = 15.0


def web_command(host: str, port: int, workers: int, threads: int) -> list[str]:
    """Gunicorn serving the WSGI app with threads (SSE-free pages, short requests)."""
    return [
        sys.executable, "-m", "gunicorn", "himig.wsgi:application",
        "--bind", f"{host}:{port}",
        "--workers", str(workers),
        "--worker-class", "gthread",
        "--threads", str(threads),
        "--timeout", "60",
        "--graceful-timeout", "10",
        "--access-logfile", "-",
        "--error-logfile", "-",
    ]


def worker_command() -> list[str]:
    """The generation worker for the configured task backend.

    The database queue gets ``generation_worker`` (django-tasks-db's worker loop plus
    engine warm-up, heartbeats and recovery). Other backends add their branch here.
    """
    queue = settings.HIMIG_GENERATION_QUEUE
    manage = [sys.executable, os.path.join(settings.BASE_DIR, "manage.py")]
    if settings.HIMIG_TASKS_BACKEND == "db":
        return [*manage, "generation_worker", "--queue-name", queue]
    if settings.HIMIG_TASKS_BACKEND == "rq":
        # django-rq's command; settings make it run himig.rqworker.GenerationWorker.
        return [*manage, "rqworker", queue]
    raise CommandError(f"manage.py run has no worker for HIMIG_TASKS_BACKEND={settings.HIMIG_TASKS_BACKEND!r}")


def _die_with_parent() -> None:
    """In the child: get SIGTERM if this command is killed outright (Linux), so nothing is orphaned."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class Command(BaseCommand):
    help = "Start the Himig web server and a generation worker (Ctrl-C stops both)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 8000))
        parser.add_argument("--host", default="127.0.0.1",
                            help="Address to bind (default 127.0.0.1; put a proxy in front for the world).")
        parser.add_argument("--web-workers", type=int, default=1)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument("--no-worker", action="store_true", help="Web server only (workers run elsewhere).")
        parser.add_argument("--no-housekeeping", action="store_true",
                            help="Do not run the daily clean-up here (cron or systemd timers run it).")

    def handle(self, *args: Any, **options: Any) -> None:
        if not 1 <= options["port"] <= 65535:
            raise CommandError(f"--port must be 1–65535, not {options['port']}")
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        commands = {"web": web_command(options["host"], options["port"], options["web_workers"], options["threads"])}
        if not options["no_worker"]:
            commands["worker"] = worker_command()

        stopping = {"signal": 0}

        def on_signal(signum: int, frame: Any) -> None:
            stopping["signal"] = signum

        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)

        children: dict[str, subprocess.Popen[bytes]] = {}
        for name, argv in commands.items():
            # Own session: a terminal's Ctrl-C reaches only this command, which then
            # stops each child exactly once (a second signal makes the worker abandon its job).
            children[name] = subprocess.Popen(argv, env=env, start_new_session=True, preexec_fn=_die_with_parent)

        housekeeper = None
        if settings.HIMIG_HOUSEKEEPING and not options["no_housekeeping"]:
            from himig.ops.housekeeping import Housekeeper

            housekeeper = Housekeeper(delay_s=settings.HIMIG_HOUSEKEEPING_DELAY_S).start()

        url = f"http://{'localhost' if options['host'] in ('127.0.0.1', '0.0.0.0') else options['host']}:{options['port']}/"
        self.stdout.write(self.style.SUCCESS(f"Himig is running at {url}  (data in {settings.DATA_DIR}; Ctrl-C stops it)"))

        failed = ""
        while not stopping["signal"] and not failed:
            for name, child in children.items():
                code = child.poll()
                if code is not None:
                    failed = f"the {name} process exited with code {code}"
                    break
            else:
                time.sleep(0.3)

        if housekeeper is not None:
            housekeeper.stop()
        self._stop(children)
        if failed:
            raise CommandError(f"Stopped because {failed}.")
        self.stdout.write("Himig stopped.")

    def _stop(self, children: dict[str, subprocess.Popen[bytes]]) -> None:
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_S
        for name, child in children.items():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.stderr.write(f"The {name} process did not stop in {STOP_GRACE_S:.0f} s; killing it.")
                child.kill()
                child.wait()
        worker = children.get("worker")
        if worker is not None:
            from himig.studio.worker import release_tracks, worker_identity

            try:
                released = release_tracks(worker_identity(worker.pid))
            except Exception as exc:  # noqa: BLE001 - recovery will still find them once stale
                self.stderr.write(f"Could not requeue the worker's unfinished tracks now ({exc}).")
            else:
                if released:
                    self.stdout.write(f"Queued {released} unfinished track(s) again for the next start.")
