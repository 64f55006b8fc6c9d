"""Each analytics event is recorded by the real flow that causes it (after commit, never blocking)."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.test import Client

from himig import ratelimit
from himig.api.services import create_api_key
from himig.ops.events import record_event, request_id_for_track
from himig.ops.models import Event
from himig.studio.models import Track

PASSWORD = "a-long-tune-of-mine-7"


def names() -> list[str]:
    return list(Event.objects.order_by("pk").values_list("name", flat=True))


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run on-commit callbacks (where events are written) as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.mark.django_db
def test_an_event_waits_for_the_commit_and_a_rollback_drops_it(
    user_factory, django_capture_on_commit_callbacks
):
    user = user_factory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        record_event("play", user, track_id="t1")
    assert len(callbacks) == 1 and not Event.objects.exists()
    callbacks[0]()
    event = Event.objects.get()
    assert (event.name, event.user_id, event.properties) == ("play", user.pk, {"track_id": "t1"})


@pytest.mark.django_db
def test_properties_that_are_not_plain_json_are_made_so(user_factory, commit):
    import uuid

    track_id = uuid.uuid4()
    with commit():
        record_event("share", user_factory(), track_id=track_id)
    assert Event.objects.get().properties == {"track_id": str(track_id)}


@pytest.mark.django_db
def test_sign_up_and_sign_in(client, commit, user_factory):
    with commit():
        client.post(
            "/accounts/signup/", {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD}
        )
    event = Event.objects.get(name="sign_up")
    assert event.user.email == "new@example.com" and event.properties["method"] == "email"

    dana = user_factory("dana@example.com")
    dana.set_password(PASSWORD)
    dana.save()
    EmailAddress.objects.create(user=dana, email=dana.email, verified=True, primary=True)
    with commit():
        Client().post("/accounts/login/", {"login": "dana@example.com", "password": PASSWORD})
    assert Event.objects.filter(name="sign_in", user=dana).exists()


@pytest.mark.django_db
def test_api_key_generation_favorite_share_and_rate_limit(user_factory, commit):
    user = user_factory()
    with commit():
        _, raw = create_api_key(user, "laptop")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    with commit():
        response = api.post(
            "/api/generate",
            {"prompt": "calm piano for studying", "genre": "Classical", "mood": "Calm", "duration": 15},
            content_type="application/json",
        )
    assert response.status_code == 202, response.content
    track_id = response.json()["id"]
    with commit():
        api.patch(f"/api/tracks/{track_id}/favorite", {"is_favorite": True}, content_type="application/json")
        api.patch(f"/api/tracks/{track_id}", {"is_public": True}, content_type="application/json")
    assert names() == ["api_key_created", "music_generation_requested", "favorite", "share"]
    requested = Event.objects.get(name="music_generation_requested")
    assert requested.properties["source"] == "api" and requested.properties["track_id"] == track_id
    # The request id joins the event, the access log and (through this lookup) the worker's lines.
    assert requested.request_id == response["X-Request-ID"]
    track = Track.objects.get(pk=track_id)
    assert request_id_for_track(track.pk, track.created_at) == response["X-Request-ID"]
    assert Event.objects.get(name="favorite").properties["on"] is True

    with commit():
        for _ in range(3):
            ratelimit.hit("ops-test", str(user.pk), 2, 60)
    hit = Event.objects.get(name="rate_limit_hit")
    assert hit.properties == {"scope": "ops-test"}


@pytest.mark.django_db
def test_play_and_download(user_factory, stored_track, media, commit):
    user = user_factory()
    track = stored_track(user)
    web = Client()
    web.force_login(user)
    with commit():
        assert web.post(f"/tracks/{track.pk}/play").status_code == 204
        assert web.get(f"/tracks/{track.pk}/files/mp3?download=1").status_code == 200
    assert names() == ["play", "download"]
    assert Event.objects.get(name="download").properties == {"track_id": str(track.pk), "format": "mp3"}


# The worker closes its database connection after each task, as a long-lived process
# must; that needs real commits, not a test wrapped in one transaction.
@pytest.mark.django_db(transaction=True)
def test_generation_failed_is_recorded_by_the_worker(user_factory, track_factory, media):
    from himig.studio.worker import generate_track

    # A row the engine refuses (written around the services' validation): the worker
    # must fail it with the engine's reason and record the event.
    track = track_factory(user_factory(), status="queued", duration=500, genre="Classical", mood="Calm")
    outcome = generate_track(str(track.pk), worker_id="ops-test")
    assert outcome == "failed"
    failed = Event.objects.get(name="music_generation_failed")
    assert failed.properties["track_id"] == str(track.pk) and failed.properties["reason"]
    assert Track.objects.get(pk=track.pk).status == "failed"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_generation_completed_is_recorded_with_genre_duration_and_time(user_factory, track_factory, media):
    from himig.studio.worker import generate_track

    track = track_factory(user_factory(), status="queued", duration=15, genre="Ambient", mood="Calm")
    assert generate_track(str(track.pk), worker_id="ops-test") == "ready"
    done = Event.objects.get(name="music_generation_completed")
    assert done.properties["track_id"] == str(track.pk)
    assert (done.properties["genre"], done.properties["mood"], done.properties["duration"]) == (
        "Ambient",
        "Calm",
        15,
    )
    assert done.properties["generation_ms"] == Track.objects.get(pk=track.pk).generation_ms > 0
