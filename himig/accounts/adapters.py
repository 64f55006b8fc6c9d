"""allauth adapters: Himig's hooks into sign-up, sign-in and provider logins."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.http import HttpRequest

from himig.accounts.services import needs_profile_setup

PROFILE_SETUP_URL = "/settings/profile-setup/"


@dataclass(frozen=True)
class SiteInfo:
    """What mails say about the site, instead of the sites framework's "example.com"."""

    name: str
    domain: str


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request: HttpRequest) -> str:
        # First sign-in (by any route): set up the profile before anything else.
        if needs_profile_setup(request.user):
            return PROFILE_SETUP_URL
        return super().get_login_redirect_url(request)

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        return PROFILE_SETUP_URL

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        request = context.get("request") or getattr(self, "request", None)
        domain = request.get_host() if request is not None else settings.SITE_URL.split("://", 1)[-1]
        context = {"current_site": SiteInfo(name="Himig", domain=domain), **context}
        super().send_mail(template_prefix, email, context)

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return True


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def pre_social_login(self, request: HttpRequest, sociallogin: Any) -> None:
        """A provider login matched an existing account by email (see settings).

        When the provider vouches for an address the account never verified, the
        person has now proved they own it: whoever set the account's password
        without owning the address is locked out first (as allauth itself does),
        then the address counts as verified so mandatory verification does not
        bounce the rightful owner.
        """
        super().pre_social_login(request, sociallogin)
        user = sociallogin.user
        if user is None or user.pk is None or sociallogin.account.pk is not None:
            return
        vouched = [address.email for address in sociallogin.email_addresses if address.verified]
        for email in vouched:
            addresses = EmailAddress.objects.filter(user=user, email__iexact=email)
            if addresses.filter(verified=True).exists():
                continue
            # Either an unverified address row, or none at all (e.g. an account made
            # with createsuperuser): in both cases nobody has proved ownership yet.
            if not addresses.exists() and (user.email or "").lower() != email.lower():
                continue
            if user.has_usable_password():
                user.set_unusable_password()
                user.save(update_fields=["password"])
            if addresses.exists():
                addresses.update(verified=True)
            else:
                has_primary = EmailAddress.objects.filter(user=user, primary=True).exists()
                EmailAddress.objects.create(user=user, email=email.lower(), verified=True, primary=not has_primary)

    def populate_user(self, request: HttpRequest, sociallogin: Any, data: dict[str, Any]) -> Any:
        user = super().populate_user(request, sociallogin, data)
        # The provider's name is a good first display name; profile setup can change it.
        name = (data.get("name") or " ".join(filter(None, [data.get("first_name"), data.get("last_name")]))).strip()
        if name and not user.display_name:
            user.display_name = name[:80]
        return user
