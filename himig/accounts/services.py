"""Account flows shared by the web views, the API and the signal handlers.

Guests: someone who generates without an account gets a real ``User`` row with
``is_guest=True``. It is not logged in; its id is remembered in the browser
session, so the person keeps their tracks for as long as the session lives, and
signing up or signing in moves those tracks to the real account.

A guest's session and a guest's data run on one clock: PRODUCT.md keeps guest data
for 90 days (``HIMIG_GUEST_RETENTION_DAYS``), so the guest's session cookie lives
that long after the last visit instead of Django's two weeks, and each visit (at
most once a day) renews both the cookie and the guest's ``last_login``, which
``cleanup_guests`` reads as activity. The session never outlives the data, and the
data is never kept for a visitor who can no longer reach it.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from himig.accounts.models import Preferences, User
from himig.ops.events import record_event

logger = logging.getLogger(__name__)

GUEST_SESSION_KEY = "himig_guest_id"
# The UTC day the guest's session and activity were last renewed.
GUEST_RENEWED_KEY = "himig_guest_renewed"


def guest_session_age() -> int:
    """Seconds a guest's session lives after the last visit: as long as their data is kept."""
    return settings.HIMIG_GUEST_RETENTION_DAYS * 24 * 3600


def _keep_guest(request: HttpRequest, guest: User) -> None:
    """Renew the guest's session and activity, at most once a day (one session save, one UPDATE)."""
    now = timezone.now()
    today = now.date().isoformat()
    if request.session.get(GUEST_RENEWED_KEY) == today:
        return
    request.session.set_expiry(guest_session_age())
    request.session[GUEST_RENEWED_KEY] = today
    User.objects.filter(pk=guest.pk).update(last_login=now)


def _forget_guest(request: HttpRequest) -> None:
    """The session no longer belongs to a guest: back to the site's normal session lifetime."""
    had = request.session.pop(GUEST_SESSION_KEY, None) is not None
    if request.session.pop(GUEST_RENEWED_KEY, None) is not None or had:
        request.session.set_expiry(None)


def current_guest(request: HttpRequest) -> User | None:
    """The guest remembered in this session, or None (never creates one)."""
    guest_id = request.session.get(GUEST_SESSION_KEY)
    if guest_id is None:
        return None
    guest = User.objects.filter(pk=guest_id, is_guest=True, is_active=True).first()
    if guest is None:
        # The guest was cleaned up or claimed elsewhere: forget the stale id.
        _forget_guest(request)
        return None
    _keep_guest(request, guest)
    return guest


def get_or_create_guest(request: HttpRequest) -> User:
    """The guest user of this browser session, created on first use.

    Call this only for anonymous visitors (the studio's Generate flow does).
    """
    guest = current_guest(request)
    if guest is not None:
        return guest
    guest = User.objects.create_guest()
    request.session[GUEST_SESSION_KEY] = guest.pk
    _keep_guest(request, guest)
    return guest


def claim_guest_tracks(request: HttpRequest, user: User) -> int:
    """Move the session guest's tracks to ``user`` and delete the guest.

    Returns how many tracks moved. Safe to call more than once: after the first
    call the session no longer names a guest.
    """
    if user.is_guest:
        return 0
    guest = current_guest(request)
    # A signed-in session lasts as the sign-in chose ("Keep me signed in" sets its own
    # expiry right after this signal), not as long as a guest's.
    _forget_guest(request)
    if guest is None or guest.pk == user.pk:
        return 0
    from himig.studio.models import Track

    with transaction.atomic():
        moved = Track.objects.filter(user=guest).update(user=user)
        guest.delete()
    record_event("guest_claimed", user=user, tracks=moved)
    logger.info("user %s claimed %d guest tracks", user.pk, moved)
    return moved


def preferences_for(user: Any) -> Preferences:
    """The person's Generate defaults; unsaved defaults for anonymous visitors and guests."""
    if user is None or not getattr(user, "is_authenticated", False) or getattr(user, "is_guest", False):
        return Preferences()
    prefs, _ = Preferences.objects.get_or_create(user=user)
    return prefs


def needs_profile_setup(user: Any) -> bool:
    """True for a signed-in person who has not finished profile setup yet."""
    if not getattr(user, "is_authenticated", False) or getattr(user, "is_guest", False):
        return False
    return not Preferences.objects.filter(user=user, completed_setup=True).exists()
