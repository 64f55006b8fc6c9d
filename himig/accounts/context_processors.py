"""Template context every page needs: the chosen colour theme and which sign-in providers are on."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from himig.accounts.providers import enabled_providers

THEME_COOKIE = "himig_theme"

# Which header link is "current" for a path: allauth's email/password pages
# belong to Settings even though they live under /accounts/.
_SECTIONS = (
    ("/generate/", "generate"),
    ("/library/", "library"),
    ("/help/", "help"),
    ("/settings/", "settings"),
    ("/accounts/email/", "settings"),
    ("/accounts/password/change/", "settings"),
    ("/accounts/password/set/", "settings"),
    ("/accounts/3rdparty/", "settings"),
    ("/ops/", "ops"),
)


def section_for(path: str) -> str:
    for prefix, section in _SECTIONS:
        if path.startswith(prefix):
            return section
    return ""


def site(request: HttpRequest) -> dict[str, Any]:
    # Only the two known values ever reach the template: the cookie is user input.
    theme = request.COOKIES.get(THEME_COOKIE, "")
    return {
        "himig_theme": theme if theme in ("light", "dark") else "",
        "himig_providers": enabled_providers(),
        "himig_section": section_for(request.path),
    }
