"""Fixed-window rate limits that hold across processes and restarts.

``hit`` counts one request and says whether it is allowed; callers turn a refusal
into a 429 (API) or a form error (web) and put :meth:`RateLimit.headers` on the response.

Where the counters live follows the cache configuration: with Redis (or any cache
whose ``incr`` is atomic) they are cache keys; with the embedded default, Django's
DatabaseCache, whose ``incr`` is a racy read-then-write, they are rows of
:class:`himig.api.models.RateCounter` incremented by one SQL ``UPDATE … RETURNING``.
Every refusal is recorded as the analytics event ``rate_limit_hit``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time

from django.core.cache import cache, caches
from django.core.cache.backends.db import DatabaseCache
from django.db import IntegrityError, connection, transaction
from django.db.models import F


@dataclasses.dataclass(frozen=True)
class RateLimit:
    scope: str
    limit: int
    remaining: int
    reset_at: int  # unix time when the window ends
    allowed: bool

    @property
    def retry_after(self) -> int:
        return max(1, self.reset_at - int(time.time()))

    def headers(self) -> dict[str, str]:
        out = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset_at),
        }
        if not self.allowed:
            out["Retry-After"] = str(self.retry_after)
        return out


class RateLimited(Exception):
    def __init__(self, limit: RateLimit) -> None:
        super().__init__(f"Too many requests: try again in {limit.retry_after} s.")
        self.limit = limit


def _counts_in_database() -> bool:
    return isinstance(caches["default"], DatabaseCache)


def _window(window_s: int) -> tuple[int, int]:
    now = int(time.time())
    start = now - now % window_s
    return start, start + window_s


def _db_add(key: str, cost: int, expires_at: int) -> int:
    from himig.api.models import RateCounter

    table, count_col, key_col = (connection.ops.quote_name(n) for n in (RateCounter._meta.db_table, "count", "key"))
    with connection.cursor() as cursor:
        # One statement, atomic on its own: SQLite (≥ 3.35) and PostgreSQL both return the new count.
        cursor.execute(
            f"UPDATE {table} SET {count_col} = {count_col} + %s WHERE {key_col} = %s RETURNING {count_col}",
            [cost, key],
        )
        row = cursor.fetchone()
    if row is not None:
        return int(row[0])
    expiry = dt.datetime.fromtimestamp(expires_at, tz=dt.UTC)
    try:
        with transaction.atomic():  # a savepoint: a lost insert race must not end the caller's transaction
            RateCounter.objects.create(key=key, count=cost, expires_at=expiry)
    except IntegrityError:  # another process created this window's row first
        RateCounter.objects.filter(key=key).update(count=F("count") + cost)
        return _db_count(key)
    # A new window began: a good moment to drop the rows of finished ones.
    RateCounter.objects.filter(expires_at__lt=dt.datetime.now(tz=dt.UTC)).delete()
    return cost


def _db_count(key: str) -> int:
    from himig.api.models import RateCounter

    return int(RateCounter.objects.filter(key=key).values_list("count", flat=True).first() or 0)


def _cache_add(key: str, cost: int, window_s: int) -> int:
    # add() creates the counter only if absent; incr() is atomic on Redis and Memcached.
    cache.add(key, 0, timeout=window_s + 5)
    try:
        return int(cache.incr(key, cost))
    except ValueError:  # expired between add and incr
        cache.set(key, cost, timeout=window_s + 5)
        return cost


def hit(scope: str, ident: str, limit: int, window_s: int, *, cost: int = 1) -> RateLimit:
    """Count ``cost`` against ``scope``/``ident`` in the current window of ``window_s`` seconds."""
    start, reset_at = _window(window_s)
    key = f"rl:{scope}:{ident}:{start}"
    count = _db_add(key, cost, reset_at) if _counts_in_database() else _cache_add(key, cost, window_s)
    allowed = count <= limit
    if not allowed:
        from himig.ops.events import record_event

        record_event("rate_limit_hit", scope=scope)
    return RateLimit(scope, limit, max(0, limit - count), reset_at, allowed)
