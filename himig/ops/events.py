"""Server-side analytics events that never block or break the request causing them."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)


def record_event(name: str, user: Any = None, **properties: Any) -> None:
    """Record ``name`` for ``user`` once the current transaction commits.

    A failure to record is logged, never raised: analytics must not cost a user
    their request.
    """
    user_id = (
        getattr(user, "pk", None) if user is not None and getattr(user, "is_authenticated", False) else None
    )

    def write() -> None:
        from himig.ops.models import Event

        try:
            Event.objects.create(name=name, user_id=user_id, properties=properties)
        except Exception:  # noqa: BLE001 - analytics never breaks the caller
            logger.exception("could not record event %s", name)

    transaction.on_commit(write)
