"""Profile setup after the first sign-in, the settings page, and Generate defaults."""

from __future__ import annotations

import pytest

from himig.accounts.models import Preferences
from himig.accounts.services import needs_profile_setup, preferences_for
from himig.ops.models import Event

pytestmark = pytest.mark.django_db

VALID = {
    "display_name": "  Dana   Cruz ",
    "default_genre": "Jazz",
    "default_mood": "Calm",
    "default_duration": "45",
    "default_format": "flac",
}


def test_profile_setup_needs_sign_in(client):
    response = client.get("/settings/profile-setup/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_first_sign_in_goes_to_profile_setup_and_saving_completes_it(client, verified_user, django_capture_on_commit_callbacks):
    user = verified_user()
    assert needs_profile_setup(user)
    response = client.post("/accounts/login/", {"login": "dana@example.com", "password": "a-long-tune-4-testing"})
    assert response["Location"] == "/settings/profile-setup/"

    page = client.get("/settings/profile-setup/")
    assert page.status_code == 200
    assert b"Auto (from the prompt)" in page.content
    assert b"Hip Hop" in page.content and b"Melancholic" in page.content

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/settings/profile-setup/", VALID)
    assert response.status_code == 302
    assert response["Location"] == "/generate/"
    user.refresh_from_db()
    assert user.display_name == "Dana Cruz"
    prefs = Preferences.objects.get(user=user)
    assert (prefs.default_genre, prefs.default_mood, prefs.default_duration, prefs.default_format) == ("Jazz", "Calm", 45, "flac")
    assert prefs.completed_setup
    assert not needs_profile_setup(user)
    assert Event.objects.filter(name="profile_setup_completed", user=user).count() == 1

    client.logout()
    again = client.post("/accounts/login/", {"login": "dana@example.com", "password": "a-long-tune-4-testing"})
    assert again["Location"] == "/generate/"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("default_duration", "14", b"greater than or equal to 15"),
        ("default_duration", "121", b"less than or equal to 120"),
        ("default_duration", "abc", b"whole number of seconds"),
        ("default_duration", "33", b"steps of 5"),
        ("default_duration", "", b"This field is required."),
        ("default_genre", "Polka", b"Select a valid choice"),
        ("default_mood", "sleepy", b"Select a valid choice"),
        ("default_format", "aiff", b"Select a valid choice"),
        ("display_name", "<script>", b"cannot contain"),
        ("display_name", "x" * 81, b"at most 80 characters"),
    ],
)
def test_profile_setup_rejects_bad_input_next_to_the_field(client, verified_user, field, value, message):
    user = verified_user()
    client.force_login(user)
    response = client.post("/settings/profile-setup/", {**VALID, field: value})
    assert response.status_code == 200
    assert message in response.content
    assert f'id="id_{field}-error"'.encode() in response.content
    assert not Preferences.objects.filter(user=user, completed_setup=True).exists()


def test_profile_setup_ignores_an_offsite_next(client, verified_user):
    client.force_login(verified_user())
    response = client.post("/settings/profile-setup/", {**VALID, "next": "https://evil.example/"})
    assert response["Location"] == "/generate/"
    response = client.post("/settings/profile-setup/", {**VALID, "next": "/library/"})
    assert response["Location"] == "/library/"


def test_settings_page_shows_and_saves_preferences(client, verified_user):
    user = verified_user()
    client.force_login(user)
    page = client.get("/settings/")
    assert page.status_code == 200
    for link in (b"/accounts/email/", b"/accounts/password/change/", b"/settings/api-keys/"):
        assert link in page.content
    response = client.post("/settings/", {**VALID, "default_genre": "auto", "default_duration": "120"})
    assert response["Location"] == "/settings/"
    prefs = preferences_for(user)
    assert (prefs.default_genre, prefs.default_duration) == ("auto", 120)


def test_preferences_for_anonymous_and_guests_are_unsaved_defaults(django_user_model):
    from django.contrib.auth.models import AnonymousUser

    prefs = preferences_for(AnonymousUser())
    assert (prefs.default_genre, prefs.default_mood, prefs.default_duration, prefs.default_format) == ("auto", "auto", 30, "mp3")
    guest = django_user_model.objects.create_guest()
    assert preferences_for(guest).pk is None
    assert not Preferences.objects.exists()
