from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils import timezone

from himig.accounts.models import ApiKey
from himig.api.services import authenticate_key, create_api_key, hash_key, revoke_api_key
from himig.studio.models import Track
from tests.api.conftest import ApiClient


def test_a_key_is_shown_once_and_stored_hashed(user) -> None:
    key, raw = create_api_key(user, "laptop")
    assert raw.startswith(key.prefix + "_")
    assert key.prefix.startswith("hm_") and len(key.prefix) == 11
    assert len(raw) >= 40
    stored = ApiKey.objects.get(pk=key.pk)
    assert stored.key_hash == hash_key(raw) and raw not in stored.key_hash


def test_keys_are_random(user) -> None:
    raws = {create_api_key(user, "k")[1] for _ in range(5)}
    assert len(raws) == 5


def test_using_a_key_records_last_used(api, user) -> None:
    assert ApiKey.objects.get(user=user).last_used_at is None
    api.get("/api/me")
    assert ApiKey.objects.get(user=user).last_used_at is not None


def test_last_used_is_written_at_most_once_a_minute(user, django_assert_num_queries) -> None:
    _, raw = create_api_key(user, "k")
    authenticate_key(raw)
    with django_assert_num_queries(1):  # the lookup only, no UPDATE
        assert authenticate_key(raw) is not None


def test_a_revoked_key_is_401_at_once(api, api_key, user) -> None:
    assert api.get("/api/me").status_code == 200
    key = ApiKey.objects.get(user=user)
    assert revoke_api_key(user, key.pk)
    response = api.get("/api/me")
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_api_key"


def test_another_user_cannot_revoke_my_key(user, other_user) -> None:
    key, raw = create_api_key(user, "k")
    assert not revoke_api_key(other_user, key.pk)
    assert authenticate_key(raw) is not None


def test_a_disabled_users_key_is_401(api, user) -> None:
    user.is_active = False
    user.save()
    assert api.get("/api/me").status_code == 401
    assert api.post("/api/generate", {"prompt": "x", "duration": 15}).status_code == 401
    assert not Track.objects.exists()


def test_a_disabled_users_session_is_401(user) -> None:
    client = Client()
    client.force_login(user)
    assert client.get("/api/me").status_code == 200
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    assert client.get("/api/me").status_code == 401


@pytest.mark.parametrize(
    "header",
    ["Bearer nonsense", "Bearer hm_00000000_" + "a" * 43, "Bearer ", "Bearer " + "hm_" + "x" * 500],
)
def test_unknown_keys_are_401(db, header) -> None:
    response = Client().get("/api/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert set(response.json()) == {"error", "code", "details"}


def test_a_bad_key_does_not_fall_back_to_the_session(user) -> None:
    client = Client()
    client.force_login(user)
    response = client.get("/api/me", headers={"Authorization": "Bearer hm_wrong"})
    assert response.status_code == 401


def test_no_credentials_is_401(anon, db) -> None:
    for method, path in [("get", "/api/tracks"), ("get", "/api/me"), ("patch", "/api/me")]:
        response = getattr(anon, method)(path)
        assert response.status_code == 401, path


def test_the_session_needs_csrf_for_unsafe_methods(user) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    body = json.dumps({"prompt": "test", "genre": "Pop", "mood": "Happy", "duration": 30})
    refused = client.post("/api/generate", body, content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "csrf_failed"
    # Reading is safe without a token.
    assert client.get("/api/tracks").status_code == 200
    token = client.get("/settings/api-keys/").cookies["csrftoken"].value
    accepted = client.post("/api/generate", body, content_type="application/json", headers={"X-CSRFToken": token})
    assert accepted.status_code == 202


def test_a_bearer_key_needs_no_csrf(user, api_key) -> None:
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {api_key}"})
    response = client.patch("/api/me", json.dumps({"display_name": "Al"}), content_type="application/json")
    assert response.status_code == 200


# --- the write limit ---------------------------------------------------------------


def test_writes_carry_rate_limit_headers(api, user, track_factory, settings) -> None:
    settings.HIMIG_RATE_API_WRITES = 100
    track = track_factory(user)
    response = api.patch(f"/api/tracks/{track.pk}/favorite", {"is_favorite": True})
    assert response["X-RateLimit-Limit"] == "100"
    assert response["X-RateLimit-Remaining"] == "99"
    assert "X-RateLimit-Reset" in response
    # Even a refused write counts and says so.
    response = api.patch(f"/api/tracks/{track.pk}", {"title": ""})
    assert response.status_code == 422
    assert response["X-RateLimit-Remaining"] == "98"


def test_the_write_limit_is_429_with_retry_after(api, user, track_factory, settings) -> None:
    settings.HIMIG_RATE_API_WRITES = 3
    track = track_factory(user)
    for _ in range(3):
        assert api.patch(f"/api/tracks/{track.pk}/favorite", {"is_favorite": True}).status_code == 200
    response = api.patch(f"/api/tracks/{track.pk}/favorite", {"is_favorite": False})
    assert response.status_code == 429
    assert response.json()["details"]["scope"] == "api_write"
    assert int(response["Retry-After"]) >= 1
    assert response["X-RateLimit-Remaining"] == "0"
    assert Track.objects.get(pk=track.pk).is_favorite  # the refused write did nothing
    # Reads are not writes.
    assert api.get(f"/api/tracks/{track.pk}").status_code == 200


def test_the_write_limit_is_per_key(user, track_factory, settings) -> None:
    settings.HIMIG_RATE_API_WRITES = 1
    track = track_factory(user)
    first, second = ApiClient(create_api_key(user, "a")[1]), ApiClient(create_api_key(user, "b")[1])
    assert first.patch(f"/api/tracks/{track.pk}/favorite", {"is_favorite": True}).status_code == 200
    assert first.patch(f"/api/tracks/{track.pk}/favorite", {"is_favorite": True}).status_code == 429
    assert second.patch(f"/api/tracks/{track.pk}/favorite", {"is_favorite": True}).status_code == 200


def test_keys_track_time(user) -> None:
    key, raw = create_api_key(user, "k")
    before = timezone.now()
    authenticate_key(raw)
    key.refresh_from_db()
    assert key.last_used_at >= before
