"""``/api/me``: the caller's profile and Generate defaults (accounts.Preferences)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from himig.accounts.forms import ProfileForm
from himig.accounts.services import preferences_for
from himig.api.errors import ApiError, validation_error
from himig.api.schemas import ErrorOut, StrictIn

router = Router(tags=["me"])

PREFERENCE_FIELDS = ("default_genre", "default_mood", "default_duration", "default_format")


class PreferencesOut(Schema):
    default_genre: str
    default_mood: str
    default_duration: int
    default_format: str
    completed_setup: bool


class MeOut(Schema):
    id: int
    email: str | None
    display_name: str
    name: str
    is_guest: bool
    date_joined: dt.datetime
    preferences: PreferencesOut


class PreferencesPatch(StrictIn):
    default_genre: str | None = Field(None, description="A genre from /api/genres, or 'auto'.")
    default_mood: str | None = Field(None, description="A mood from /api/moods, or 'auto'.")
    default_duration: int | None = Field(None, description="15–120 seconds in steps of 5.")
    default_format: str | None = Field(None, description="mp3, wav, flac, ogg, midi or stems.")


class MePatch(StrictIn):
    display_name: str | None = Field(None, description="Up to 80 characters; empty uses your email's name.")
    preferences: PreferencesPatch | None = None


def me_json(user: Any) -> dict[str, Any]:
    prefs = preferences_for(user)
    return {
        "id": user.pk,
        "email": user.email,
        "display_name": user.display_name,
        "name": user.name,
        "is_guest": user.is_guest,
        "date_joined": user.date_joined,
        "preferences": {
            "default_genre": prefs.default_genre,
            "default_mood": prefs.default_mood,
            "default_duration": prefs.default_duration,
            "default_format": prefs.default_format,
            "completed_setup": prefs.completed_setup,
        },
    }


@router.get("/me", response={200: MeOut, 401: ErrorOut}, url_name="me")
def get_me(request: HttpRequest) -> dict[str, Any]:
    """Who you are and your Generate defaults."""
    return me_json(request.auth)  # type: ignore[attr-defined]


@router.patch(
    "/me",
    response={200: MeOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 413: ErrorOut, 415: ErrorOut,
              422: ErrorOut, 429: ErrorOut},
    url_name="me_update",
)
def update_me(request: HttpRequest, payload: MePatch) -> dict[str, Any]:
    """Change your display name or defaults; send only what changes."""
    user = request.auth  # type: ignore[attr-defined]
    if user.is_guest:
        raise ApiError(403, "guest", "Sign up (free) to keep a profile and defaults.")
    # The settings page's form holds the rules: fill it with the current values, overlay the change.
    form = ProfileForm(user=user)
    data = {name: form.initial[name] for name in ("display_name", *PREFERENCE_FIELDS)}
    changes = payload.model_dump(exclude_unset=True)
    if changes.get("display_name") is not None:
        data["display_name"] = changes["display_name"]
    for name, value in (changes.get("preferences") or {}).items():
        if value is not None:
            data[name] = value
    form = ProfileForm(data, user=user)
    if not form.is_valid():
        raise validation_error(
            {
                (name if name in ("display_name", "__all__") else f"preferences.{name}"): " ".join(errors)
                for name, errors in form.errors.items()
            }
        )
    form.save(completed_setup=False)
    return me_json(user)
