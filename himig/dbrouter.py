"""Read replica routing: read-only pages may read from ``replica``; all else uses the primary.

When ``DATABASE_REPLICA_URL`` is set, settings add a ``replica`` database alias and
this router. Nothing moves to the replica by itself — a replica lags behind the
primary, and a person who just pressed "Generate" must see their track — so
code opts in where slightly stale data is fine (the ops dashboard, public
listings, a library page that is polled anyway)::

    from himig.dbrouter import use_replica

    @use_replica()                     # a whole view
    def dashboard(request): ...

    with use_replica():                # or one block
        rows = list(Track.objects.filter(...))

    Track.objects.using(read_db())     # or one queryset, explicitly

Without a replica configured all three read the primary, so the code is the same
in the embedded setup. Writes always go to the primary, and so do reads inside
an open transaction on the primary (they must see its uncommitted rows).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"

# A ContextVar, not a thread-local, so it also holds per request under ASGI.
_reading_from_replica: ContextVar[bool] = ContextVar("himig_reading_from_replica", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def read_db() -> str:
    """The alias a read-only query should use: the replica when there is one."""
    return REPLICA if replica_configured() else DEFAULT_DB_ALIAS


@contextmanager
def use_replica() -> Iterator[None]:
    """Within this block (or decorated view), ORM reads go to the replica if configured."""
    token = _reading_from_replica.set(True)
    try:
        yield
    finally:
        _reading_from_replica.reset(token)


class ReplicaRouter:
    """Reads inside :func:`use_replica` go to ``replica``; everything else to ``default``."""

    def db_for_read(self, model: type, **hints: Any) -> str | None:
        if not (_reading_from_replica.get() and replica_configured()):
            return None
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return None
        return REPLICA

    def db_for_write(self, model: type, **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        # Both aliases hold the same data, so objects may point at one another.
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        # The replica follows the primary through replication, never through migrate.
        return db == DEFAULT_DB_ALIAS
