"""Which social sign-in providers are configured (client id and secret both set)."""

from __future__ import annotations

from django.conf import settings

PROVIDER_NAMES = {"google": "Google", "github": "GitHub"}


def enabled_providers() -> list[dict[str, str]]:
    """Providers whose credentials are set in the environment, in display order."""
    configured = getattr(settings, "SOCIALACCOUNT_PROVIDERS", {})
    found = []
    for provider_id, name in PROVIDER_NAMES.items():
        app = configured.get(provider_id, {}).get("APPS") or []
        if app and app[0].get("client_id") and app[0].get("secret"):
            found.append({"id": provider_id, "name": name})
    return found
