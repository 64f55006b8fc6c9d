"""Dependency checks for ``/ops/status``: each one really exercises the dependency.

Every check returns a :class:`Check` with ok/fail, a sentence for the operator and
how long it took; none raises.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone


@dataclasses.dataclass
class Check:
    name: str
    ok: bool
    detail: str
    ms: float

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "ok": self.ok, "detail": self.detail, "ms": round(self.ms, 1)}


class CheckFailed(Exception):
    """A dependency answered, but not well: the message is for the operator as it is."""


def _timed(name: str, probe: Callable[[], str]) -> Check:
    started = time.perf_counter()
    try:
        detail = probe()
        ok = True
    except CheckFailed as exc:
        detail, ok = str(exc), False
    except Exception as exc:  # noqa: BLE001 - a failing dependency is the answer, not an error
        detail = f"{type(exc).__name__}: {exc}"
        ok = False
    return Check(name, ok, detail, (time.perf_counter() - started) * 1000)


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        (one,) = cursor.fetchone()
    if one != 1:
        raise CheckFailed(f"SELECT 1 returned {one!r}")
    return f"{connection.vendor} answered SELECT 1"


def check_cache() -> str:
    key, value = f"himig:status:{secrets.token_hex(8)}", secrets.token_hex(8)
    cache.set(key, value, timeout=30)
    got = cache.get(key)
    cache.delete(key)
    if got != value:
        raise CheckFailed("the value read back differs from the value written")
    return f"{settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]} set/get/delete"


def check_task_queue() -> str:
    backend = getattr(settings, "HIMIG_TASKS_BACKEND", "db")
    if backend == "rq":
        import django_rq

        queue = django_rq.get_queue(settings.HIMIG_GENERATION_QUEUE)
        queue.connection.ping()
        return f"RQ: Redis answered PING; {queue.count} job(s) waiting on {queue.name!r}"
    from django_tasks_db.models import DBTaskResult

    ready = DBTaskResult.objects.filter(status="READY").count()
    running = DBTaskResult.objects.filter(status="RUNNING").count()
    return f"database queue: {ready} waiting, {running} running"


def check_workers() -> str:
    from himig.ops.models import WorkerHeartbeat

    stale = dt.timedelta(seconds=settings.HIMIG_STALE_AFTER_S)
    latest = WorkerHeartbeat.objects.order_by("-last_seen").first()
    if latest is None:
        raise CheckFailed("no worker has ever sent a heartbeat; generations wait in the queue")
    alive = WorkerHeartbeat.objects.filter(last_seen__gte=timezone.now() - stale).count()
    age = (timezone.now() - latest.last_seen).total_seconds()
    if not alive:
        raise CheckFailed(
            f"no live worker: the last heartbeat was {age:.0f} s ago; generations wait in the queue"
        )
    return f"{alive} worker(s) alive; last heartbeat {age:.0f} s ago"


def check_storage() -> str:
    name = f"ops/status-probe-{secrets.token_hex(8)}.txt"
    payload = secrets.token_bytes(32)
    saved = default_storage.save(name, ContentFile(payload))
    try:
        with default_storage.open(saved, "rb") as handle:
            back = handle.read()
        if back != payload:
            raise CheckFailed("the bytes read back differ from the bytes written")
    finally:
        default_storage.delete(saved)
    if default_storage.exists(saved):
        raise CheckFailed(f"{saved} still exists after delete")
    return f"{default_storage.__class__.__name__}: wrote, read back and deleted a probe file"


def check_soundfont() -> str:
    from himig.engine.soundfont import find_soundfont

    path = find_soundfont()
    return f"{path.name} ({path.stat().st_size / 1e6:.1f} MB)"


def check_embedding_model() -> str:
    from himig.engine.prompt import load_model

    load_model()
    return "sentence-embedding model loaded"


CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "cache": check_cache,
    "task queue": check_task_queue,
    "workers": check_workers,
    "storage": check_storage,
    "soundfont": check_soundfont,
    "embedding model": check_embedding_model,
}


def run_checks() -> list[Check]:
    return [_timed(name, probe) for name, probe in CHECKS.items()]
