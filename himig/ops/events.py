"""Server-side analytics events that never block or break the request causing them.

The canonical names (``docs/operations.md`` lists them with their properties) are
the constants below; the dashboard's figures are computed from these names.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from himig.ops.logs import current_request_id

logger = logging.getLogger(__name__)

SIGN_UP = "sign_up"
SIGN_IN = "sign_in"
GENERATION_REQUESTED = "music_generation_requested"
GENERATION_COMPLETED = "music_generation_completed"
GENERATION_FAILED = "music_generation_failed"
PLAY = "play"
DOWNLOAD = "download"
FAVORITE = "favorite"
SHARE = "share"
API_KEY_CREATED = "api_key_created"
RATE_LIMIT_HIT = "rate_limit_hit"
GUEST_CLAIMED = "guest_claimed"

KNOWN_EVENTS = frozenset(
    {
        SIGN_UP,
        SIGN_IN,
        GENERATION_REQUESTED,
        GENERATION_COMPLETED,
        GENERATION_FAILED,
        PLAY,
        DOWNLOAD,
        FAVORITE,
        SHARE,
        API_KEY_CREATED,
        RATE_LIMIT_HIT,
        GUEST_CLAIMED,
    }
)


def _json_safe(properties: dict[str, Any]) -> dict[str, Any]:
    # UUIDs, datetimes and Decimals become strings here, not a failed INSERT later.
    return json.loads(json.dumps(properties, cls=DjangoJSONEncoder))


def record_event(name: str, user: Any = None, **properties: Any) -> None:
    """Record ``name`` for ``user`` once the current transaction commits.

    Outside a transaction the row is written at once (one INSERT, no extra query);
    inside one it waits for the commit, so a rolled-back request leaves no event.
    A failure to record is logged, never raised: analytics must not cost a user
    their request.
    """
    user_id = (
        getattr(user, "pk", None) if user is not None and getattr(user, "is_authenticated", False) else None
    )
    try:
        props = _json_safe(properties)
    except (TypeError, ValueError):
        logger.warning("event %s has properties that are not JSON; recorded without them", name)
        props = {}

    request_id = current_request_id() or ""

    def write() -> None:
        from himig.ops.models import Event

        try:
            Event.objects.create(name=name, user_id=user_id, properties=props, request_id=request_id)
        except Exception:  # noqa: BLE001 - analytics never breaks the caller
            logger.exception("could not record event %s", name)

    try:
        transaction.on_commit(write)
    except Exception:  # noqa: BLE001 - e.g. called from async code with no sync connection
        logger.exception("could not schedule event %s", name)


def request_id_for_track(track_id: object, created_at: Any) -> str:
    """The request id that asked for a track, for the worker's log lines about it.

    Looks up the track's ``music_generation_requested`` event within a minute of the
    track's creation (the (name, created_at) index keeps this a small scan).
    """
    import datetime as dt

    from himig.ops.models import Event

    window = dt.timedelta(minutes=1)
    match = (
        Event.objects.filter(
            name=GENERATION_REQUESTED,
            created_at__gte=created_at - window,
            created_at__lte=created_at + window,
            properties__track_id=str(track_id),
        )
        .values_list("request_id", flat=True)
        .first()
    )
    return match or ""
