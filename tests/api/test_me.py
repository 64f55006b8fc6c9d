from __future__ import annotations

from django.test import Client

from himig.accounts.models import Preferences, User
from himig.accounts.services import GUEST_SESSION_KEY


def test_me_shows_profile_and_preferences(api, user) -> None:
    body = api.get("/api/me").json()
    assert body["email"] == "alice@example.com"
    assert body["is_guest"] is False
    assert body["preferences"] == {
        "default_genre": "auto", "default_mood": "auto", "default_duration": 30,
        "default_format": "mp3", "completed_setup": False,
    }


def test_patch_me_changes_only_what_is_sent(api, user) -> None:
    response = api.patch("/api/me", {"preferences": {"default_genre": "Jazz", "default_duration": 60}})
    assert response.status_code == 200
    prefs = Preferences.objects.get(user=user)
    assert (prefs.default_genre, prefs.default_duration, prefs.default_mood) == ("Jazz", 60, "auto")
    response = api.patch("/api/me", {"display_name": "  Alice   B "})
    assert response.json()["display_name"] == "Alice B"
    assert Preferences.objects.get(user=user).default_genre == "Jazz"


def test_patch_me_validates_with_the_profile_rules(api) -> None:
    response = api.patch("/api/me", {"preferences": {"default_duration": 33, "default_format": "aiff"}})
    assert response.status_code == 422
    fields = response.json()["details"]["fields"]
    assert {"preferences.default_duration", "preferences.default_format"} <= set(fields)
    assert api.patch("/api/me", {"display_name": "<b>"}).status_code == 422
    assert api.patch("/api/me", {"email": "x@example.com"}).status_code == 422


def test_a_guest_can_read_but_not_change_me(db) -> None:
    guest = User.objects.create_guest()
    client = Client()
    session = client.session
    session[GUEST_SESSION_KEY] = guest.pk
    session.save()
    assert client.get("/api/me").json()["is_guest"] is True
    response = client.patch("/api/me", '{"display_name": "G"}', content_type="application/json")
    assert response.status_code == 403


def test_genres_and_moods_are_public_lists(anon, db) -> None:
    genres = anon.get("/api/genres").json()
    moods = anon.get("/api/moods").json()
    assert len(genres) == 12 and "Hip Hop" in genres
    assert len(moods) == 12 and "Melancholic" in moods
