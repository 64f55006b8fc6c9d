"""Analytics events and guest claiming on sign-up and sign-in."""

from __future__ import annotations

from typing import Any

from allauth.account.signals import user_logged_in, user_signed_up
from django.dispatch import receiver
from django.http import HttpRequest

from himig.accounts.models import Preferences
from himig.accounts.services import claim_guest_tracks
from himig.ops.events import record_event


def _method(kwargs: dict[str, Any]) -> str:
    sociallogin = kwargs.get("sociallogin")
    if sociallogin is not None:
        return str(sociallogin.account.provider)
    return "email"


@receiver(user_signed_up, dispatch_uid="himig_user_signed_up")
def on_signed_up(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    Preferences.objects.get_or_create(user=user)
    record_event("sign_up", user=user, method=_method(kwargs))
    # The account exists now (verified or not): the tracks made as a guest in this
    # browser belong to it.
    claim_guest_tracks(request, user)


@receiver(user_logged_in, dispatch_uid="himig_user_logged_in")
def on_logged_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    record_event("sign_in", user=user, method=_method(kwargs))
    claim_guest_tracks(request, user)
