"""Admin: search and filters render; disable, delete-data, retry and revoke actions work."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from himig.accounts.models import ApiKey
from himig.ops.models import Event, WorkerHeartbeat
from himig.studio.models import Track

from .conftest import event


@pytest.fixture
def admin_client(client, user_factory):
    client.force_login(user_factory("root@example.com", is_staff=True, is_superuser=True))
    return client


def _action(admin_client, model: str, action: str, pks: list[object]):
    url = reverse(f"admin:{model}_changelist")
    return admin_client.post(
        url, {"action": action, "_selected_action": [str(pk) for pk in pks]}, follow=True
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("model", "query"),
    [
        ("accounts_user", "?q=someone&is_guest__exact=0&is_staff__exact=0&is_active__exact=1"),
        ("studio_track", "?q=piano&status__exact=ready&genre=Jazz&is_public__exact=0"),
        ("accounts_apikey", "?q=pfx&state=active"),
        ("ops_event", "?q=play&name=play"),
        ("ops_workerheartbeat", ""),
        ("ops_requeststat", ""),
        ("api_ratecounter", "?q=rl"),
    ],
)
def test_changelists_search_and_filter(admin_client, user_factory, track_factory, model, query):
    someone = user_factory("someone@example.com")
    track_factory(someone, genre="Jazz", status="ready", prompt="jazz piano trio")
    ApiKey.objects.create(user=someone, name="ci", prefix="pfx9", key_hash="a" * 64)
    event("play", someone, "2026-01-05 10:00")
    WorkerHeartbeat.objects.create(worker_id="w1", hostname="h", pid=1)
    response = admin_client.get(reverse(f"admin:{model}_changelist") + query)
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1 or model in {"ops_requeststat", "api_ratecounter"}


@pytest.mark.django_db
def test_disable_user_stops_their_api_key_at_once(admin_client, user_factory):
    from django.test import Client

    from himig.api.services import create_api_key

    user = user_factory("someone@example.com")
    _, raw = create_api_key(user, "laptop")
    api = Client()
    assert api.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    _action(admin_client, "accounts_user", "disable_users", [user.pk])
    user.refresh_from_db()
    assert user.is_active is False
    assert api.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


@pytest.mark.django_db
def test_delete_users_data_removes_tracks_files_and_events(
    admin_client, user_factory, stored_track, media, django_capture_on_commit_callbacks
):
    user, other = user_factory("gone@example.com"), user_factory("stays@example.com")
    doomed, kept = stored_track(user), stored_track(other)
    event("play", user, "2026-01-05 10:00")
    event("play", other, "2026-01-05 10:00")
    with django_capture_on_commit_callbacks(execute=True):
        response = _action(admin_client, "accounts_user", "delete_users_data", [user.pk])
    assert b"Deleted 1 tracks, 2 files and 1 events" in response.content
    assert not Track.objects.filter(pk=doomed.pk).exists()
    assert not any(default_storage.exists(name) for name in doomed.files.values())
    assert all(default_storage.exists(name) for name in kept.files.values())
    assert not Event.objects.filter(user=user).exists() and Event.objects.filter(user=other).exists()
    user.refresh_from_db()  # the account itself stays


@pytest.mark.django_db
def test_deleting_a_user_or_track_in_admin_takes_the_files_along(
    admin_client, user_factory, stored_track, media, django_capture_on_commit_callbacks
):
    user = user_factory("gone@example.com")
    first, second = stored_track(user), stored_track(user)
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("admin:studio_track_delete", args=[first.pk]), {"post": "yes"})
    assert not any(default_storage.exists(name) for name in first.files.values())
    assert all(default_storage.exists(name) for name in second.files.values())
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("admin:accounts_user_delete", args=[user.pk]), {"post": "yes"})
    assert not Track.objects.filter(user_id=user.pk).exists()
    assert not any(default_storage.exists(name) for name in second.files.values())


@pytest.mark.django_db
def test_retry_failed_tracks_requeues_only_failed_ones(admin_client, user_factory, track_factory):
    user = user_factory()
    failed = track_factory(user, status="failed", error="engine exploded", attempts=3)
    ready = track_factory(user, status="ready", generation_ms=900)
    response = _action(admin_client, "studio_track", "retry_failed", [failed.pk, ready.pk])
    assert b"Queued 1 track(s) again (1 not failed, left alone)" in response.content
    failed.refresh_from_db()
    ready.refresh_from_db()
    assert (failed.status, failed.error, failed.attempts) == ("queued", "", 0)
    assert ready.status == "ready"


@pytest.mark.django_db
def test_revoke_keys(admin_client, user_factory):
    user = user_factory()
    key = ApiKey.objects.create(user=user, name="ci", prefix="pfx1", key_hash="b" * 64)
    old = ApiKey.objects.create(
        user=user,
        name="old",
        prefix="pfx2",
        key_hash="c" * 64,
        revoked_at=timezone.now() - timezone.timedelta(days=3),
    )
    before = old.revoked_at
    response = _action(admin_client, "accounts_apikey", "revoke_keys", [key.pk, old.pk])
    assert b"Revoked 1 key(s)." in response.content
    key.refresh_from_db()
    old.refresh_from_db()
    assert key.revoked_at is not None and old.revoked_at == before


@pytest.mark.django_db
def test_admin_can_create_an_email_user(admin_client, django_user_model):
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "New@Example.com",
            "usable_password": "true",
            "password1": "a-long-pass-phrase-42",
            "password2": "a-long-pass-phrase-42",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    assert django_user_model.objects.filter(email__iexact="new@example.com").exists()
