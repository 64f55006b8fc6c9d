"""Per-minute request statistics, buffered in the process and flushed as upserts.

Why a buffer: the dashboard needs error rate and p95 response time across all web
processes and over weeks, so the figures must live in the database — but one
database write per request would double the write load of a SQLite deployment.
Each process instead adds requests to an in-memory table keyed by (minute, surface,
status class) and, at most every ``HIMIG_REQUEST_STATS_FLUSH_SECONDS``, turns it
into one ``UPDATE … SET count = count + n`` per key (an INSERT for a new key).
Several processes may write the same row; the F() increments make that safe. What
is lost on a hard crash is at most one flush interval of statistics.

Statistics belong to the database that was current when the requests were served,
and are written only there. At interpreter exit the last interval is flushed; in a
test run that is after the test database was destroyed and the settings point at the
real one again, so those rows are dropped instead of being written into the wrong
database (or failing, and logging through streams the test runner has closed).
"""

from __future__ import annotations

import atexit
import bisect
import datetime as dt
import logging
import threading
import time

from django.conf import settings
from django.db import IntegrityError, connections, router, transaction
from django.db.models import F

from himig.ops.models import BUCKET_FIELDS, LATENCY_BOUNDS_MS, RequestStat

logger = logging.getLogger(__name__)

Key = tuple[dt.datetime, str, str]


def status_class(status: int) -> str:
    return f"{min(max(status // 100, 1), 5)}xx"


def database_identity() -> str:
    """Which database RequestStat rows are written to right now (its configured name)."""
    return str(connections[router.db_for_write(RequestStat)].settings_dict["NAME"])


def bucket_index(ms: float) -> int:
    """Index into :data:`BUCKET_FIELDS` of the bucket that holds ``ms``."""
    return bisect.bisect_left(LATENCY_BOUNDS_MS, ms)


class RequestStatBuffer:
    def __init__(self, flush_interval_s: float) -> None:
        self.flush_interval_s = flush_interval_s
        self._lock = threading.Lock()
        # database identity → its pending rows (normally exactly one database)
        self._pending: dict[str, dict[Key, list[int]]] = {}
        self._last_flush = time.monotonic()

    def add(self, surface: str, status: int, ms: float, *, now: dt.datetime | None = None) -> None:
        when = (now or dt.datetime.now(dt.UTC)).replace(second=0, microsecond=0)
        key = (when, surface, status_class(status))
        database = database_identity()
        with self._lock:
            rows = self._pending.get(database)
            if rows is None:
                rows = self._pending[database] = {}
            row = rows.get(key)
            if row is None:
                row = rows[key] = [0] * (2 + len(BUCKET_FIELDS))
            row[0] += 1
            row[1] += round(ms)
            row[2 + bucket_index(ms)] += 1
            due = time.monotonic() - self._last_flush >= self.flush_interval_s
        if due:
            self.flush()

    def pending(self) -> int:
        with self._lock:
            return sum(row[0] for rows in self._pending.values() for row in rows.values())

    def flush(self) -> int:
        """Write the buffer to the database; returns the number of requests written.

        Rows collected while another database was current (a test database that has
        since been destroyed) are dropped: that database is gone or is not ours.
        """
        with self._lock:
            pending, self._pending = self._pending, {}
            self._last_flush = time.monotonic()
        if not pending:
            return 0
        database = database_identity()
        dropped = sum(row[0] for name, rows in pending.items() if name != database for row in rows.values())
        if dropped:
            logger.debug("dropped statistics of %d requests served while another database was current", dropped)
        written = 0
        for (minute, surface, klass), row in pending.get(database, {}).items():
            try:
                _upsert(minute, surface, klass, row)
                written += row[0]
            except Exception:  # noqa: BLE001 - statistics never break a request
                logger.warning("could not write request statistics", exc_info=True)
        return written


def _upsert(minute: dt.datetime, surface: str, klass: str, row: list[int]) -> None:
    increments = {"count": F("count") + row[0], "total_ms": F("total_ms") + row[1]}
    increments.update({name: F(name) + n for name, n in zip(BUCKET_FIELDS, row[2:], strict=True) if n})
    match = RequestStat.objects.filter(minute=minute, surface=surface, status_class=klass)
    if match.update(**increments):
        return
    values = {"count": row[0], "total_ms": row[1], **dict(zip(BUCKET_FIELDS, row[2:], strict=True))}
    try:
        with transaction.atomic():
            RequestStat.objects.create(minute=minute, surface=surface, status_class=klass, **values)
    except IntegrityError:  # another process created the row first
        match.update(**increments)


buffer = RequestStatBuffer(float(getattr(settings, "HIMIG_REQUEST_STATS_FLUSH_SECONDS", 10)))
atexit.register(buffer.flush)
