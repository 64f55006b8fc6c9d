"""Guests: a session-bound user whose tracks move to the account made from that browser."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command
from django.test import RequestFactory
from django.utils import timezone

from himig.accounts.models import User
from himig.accounts.services import GUEST_SESSION_KEY, claim_guest_tracks, current_guest, get_or_create_guest
from himig.ops.models import Event
from himig.studio.models import Track

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db


def make_request():
    request = RequestFactory().get("/generate/")
    request.session = SessionStore()
    return request


def make_track(user: User, title: str = "Sunny loop") -> Track:
    return Track.objects.create(user=user, title=title, prompt="sunny ukulele loop", duration=20, seed=7)


def test_guest_is_created_once_per_session():
    request = make_request()
    assert current_guest(request) is None
    guest = get_or_create_guest(request)
    assert guest.is_guest and guest.email is None and not guest.has_usable_password()
    assert get_or_create_guest(request) == guest
    assert User.objects.filter(is_guest=True).count() == 1
    other = make_request()
    assert get_or_create_guest(other) != guest


def test_a_deleted_guest_is_forgotten_and_replaced():
    request = make_request()
    guest = get_or_create_guest(request)
    guest.delete()
    assert current_guest(request) is None
    assert GUEST_SESSION_KEY not in request.session
    assert get_or_create_guest(request).pk != guest.pk


def guest_session(client) -> User:
    guest = User.objects.create_guest()
    session = client.session
    session[GUEST_SESSION_KEY] = guest.pk
    session.save()
    return guest


def test_signing_up_claims_the_guest_tracks(client, mail_dir, django_capture_on_commit_callbacks):
    guest = guest_session(client)
    tracks = [make_track(guest, "one"), make_track(guest, "two")]
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/signup/", {"email": "fresh@example.com", "password1": PASSWORD, "password2": PASSWORD})
    user = User.objects.get(email="fresh@example.com")
    assert set(Track.objects.filter(user=user)) == set(tracks)
    assert not User.objects.filter(pk=guest.pk).exists()
    assert GUEST_SESSION_KEY not in client.session
    assert Event.objects.get(name="guest_claimed").properties == {"tracks": 2}


def test_signing_in_claims_the_guest_tracks(client, verified_user):
    user = verified_user()
    guest = guest_session(client)
    track = make_track(guest)
    client.post("/accounts/login/", {"login": "dana@example.com", "password": PASSWORD})
    track.refresh_from_db()
    assert track.user == user
    assert not User.objects.filter(is_guest=True).exists()


def test_another_persons_guest_tracks_are_not_claimed(client, verified_user):
    someone_elses_guest = User.objects.create_guest()
    theirs = make_track(someone_elses_guest)
    user = verified_user()
    client.post("/accounts/login/", {"login": "dana@example.com", "password": PASSWORD})
    theirs.refresh_from_db()
    assert theirs.user == someone_elses_guest
    assert not Track.objects.filter(user=user).exists()


def test_claim_is_a_no_op_for_a_guest_target_and_twice():
    request = make_request()
    guest = get_or_create_guest(request)
    assert claim_guest_tracks(request, guest) == 0
    user = User.objects.create_user("x@example.com", PASSWORD)
    make_track(guest)
    assert claim_guest_tracks(request, user) == 1
    assert claim_guest_tracks(request, user) == 0


def test_guests_cannot_open_settings(client):
    guest_session(client)
    assert client.get("/settings/").status_code == 302


# --- a guest's session lasts as long as the guest's data ------------------------------

NINETY_DAYS = 90 * 24 * 3600


def session_cookie(response):
    return response.cookies.get(settings.SESSION_COOKIE_NAME)


def test_a_new_guests_session_lives_as_long_as_guest_data_is_kept():
    request = make_request()
    guest = get_or_create_guest(request)
    assert request.session.get_expiry_age() == NINETY_DAYS
    guest.refresh_from_db()
    assert guest.last_login is not None  # the visit counts as activity for cleanup_guests


def test_the_retention_setting_drives_the_session(settings):
    settings.HIMIG_GUEST_RETENTION_DAYS = 30
    request = make_request()
    get_or_create_guest(request)
    assert request.session.get_expiry_age() == 30 * 24 * 3600


def test_a_visit_renews_the_cookie_once_a_day(client, monkeypatch):
    guest = guest_session(client)
    first = client.get("/library/")
    cookie = session_cookie(first)
    assert cookie is not None and int(cookie["max-age"]) == NINETY_DAYS
    assert client.session.get_expiry_age() == NINETY_DAYS
    # Later the same day: nothing to write, no new cookie.
    assert session_cookie(client.get("/library/")) is None
    # Tomorrow: the cookie and the guest's activity move on together.
    tomorrow = timezone.now() + dt.timedelta(days=1)
    monkeypatch.setattr("himig.accounts.services.timezone.now", lambda: tomorrow)
    again = session_cookie(client.get("/library/"))
    assert again is not None and int(again["max-age"]) == NINETY_DAYS
    guest.refresh_from_db()
    assert guest.last_login == tomorrow


def test_cleanup_removes_a_guest_only_after_their_session_has_expired(client, monkeypatch):
    """The two clocks agree: a guest who can still reach their tracks keeps them."""
    from django.contrib.sessions.models import Session

    long_ago = timezone.now() - dt.timedelta(days=200)
    visited = guest_session(client)
    User.objects.filter(pk=visited.pk).update(date_joined=long_ago)
    make_track(visited)
    Track.objects.filter(user=visited).update(created_at=long_ago)
    client.get("/library/")  # a visit 200 days after joining, with no new track or event
    gone = User.objects.create_guest()
    User.objects.filter(pk=gone.pk).update(date_joined=long_ago, last_login=long_ago)

    call_command("cleanup_guests", stdout=io.StringIO())
    assert User.objects.filter(pk=visited.pk).exists()
    assert not User.objects.filter(pk=gone.pk).exists()

    # 91 days after that visit the cookie has expired, and only then does the data go.
    later = timezone.now() + dt.timedelta(days=91)
    session = Session.objects.get(pk=client.session.session_key)
    assert session.expire_date < later
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    call_command("cleanup_guests", stdout=io.StringIO())
    assert not User.objects.filter(pk=visited.pk).exists()


def test_signing_in_gives_the_session_the_sign_ins_lifetime_not_the_guests(client, verified_user):
    verified_user()
    guest_session(client)
    client.get("/library/")
    assert client.session.get_expiry_age() == NINETY_DAYS
    client.post("/accounts/login/", {"login": "dana@example.com", "password": PASSWORD})
    assert client.session.get_expire_at_browser_close()  # no "Keep me signed in"
    assert "himig_guest_renewed" not in client.session


def test_signing_up_returns_the_session_to_the_default_lifetime(client, mail_dir):
    guest_session(client)
    client.get("/library/")
    client.post("/accounts/signup/", {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD})
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE
