"""Fixed-window rate limits kept in Django's cache (shared across processes).

``hit`` counts one request and says whether it is allowed; callers turn a refusal
into a 429 (API) or a form error (web) and put :meth:`RateLimit.headers` on the response.
"""

from __future__ import annotations

import dataclasses
import time

from django.core.cache import cache


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


def hit(scope: str, ident: str, limit: int, window_s: int, *, cost: int = 1) -> RateLimit:
    """Count ``cost`` against ``scope``/``ident`` in the current window of ``window_s`` seconds."""
    now = int(time.time())
    window_start = now - now % window_s
    reset_at = window_start + window_s
    key = f"rl:{scope}:{ident}:{window_start}"
    # add() creates the counter atomically only if absent; incr() is atomic on Redis.
    cache.add(key, 0, timeout=window_s + 5)
    try:
        count = cache.incr(key, cost)
    except ValueError:  # expired between add and incr
        cache.set(key, cost, timeout=window_s + 5)
        count = cost
    allowed = count <= limit
    return RateLimit(scope, limit, max(0, limit - count), reset_at, allowed)


def peek(scope: str, ident: str, limit: int, window_s: int) -> RateLimit:
    """The state of a limit without counting a request."""
    now = int(time.time())
    window_start = now - now % window_s
    count = int(cache.get(f"rl:{scope}:{ident}:{window_start}", 0))
    return RateLimit(scope, limit, max(0, limit - count), window_start + window_s, count < limit)
