"""Guests: a session-bound user whose tracks move to the account made from that browser."""

from __future__ import annotations

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory

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
