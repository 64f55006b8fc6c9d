"""allauth adapters: Himig's hooks into sign-up, sign-in and provider logins."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.http import HttpRequest

from himig.accounts.services import needs_profile_setup

PROFILE_SETUP_URL = "/settings/profile-setup/"


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request: HttpRequest) -> str:
        # First sign-in (by any route): set up the profile before anything else.
        if needs_profile_setup(request.user):
            return PROFILE_SETUP_URL
        return super().get_login_redirect_url(request)

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        return PROFILE_SETUP_URL

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return True


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def populate_user(self, request: HttpRequest, sociallogin: Any, data: dict[str, Any]) -> Any:
        user = super().populate_user(request, sociallogin, data)
        # The provider's name is a good first display name; profile setup can change it.
        name = (data.get("name") or " ".join(filter(None, [data.get("first_name"), data.get("last_name")]))).strip()
        if name and not user.display_name:
            user.display_name = name[:80]
        return user
