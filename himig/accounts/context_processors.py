"""Template context every page needs: the chosen colour theme and which sign-in providers are on."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from himig.accounts.providers import enabled_providers

THEME_COOKIE = "himig_theme"


def site(request: HttpRequest) -> dict[str, Any]:
    # Only the two known values ever reach the template: the cookie is user input.
    theme = request.COOKIES.get(THEME_COOKIE, "")
    return {
        "himig_theme": theme if theme in ("light", "dark") else "",
        "himig_providers": enabled_providers(),
    }
