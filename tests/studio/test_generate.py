"""The Generate page and request_generation: validation, limits, enqueue-after-commit."""

from __future__ import annotations

import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult

from himig.accounts.models import Preferences
from himig.ops.models import Event
from himig.studio import services
from himig.studio.models import Track

GOOD = {"prompt": "calm piano for studying", "genre": "auto", "mood": "auto", "duration": "30"}


def test_it_shows_the_form_with_examples_tips_and_selects(alice_client: Client) -> None:
    response = alice_client.get("/generate/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="prompt"' in html and 'type="range"' in html and 'step="5"' in html
    assert 'min="15"' in html and 'max="120"' in html
    assert "Advanced options" in html and 'name="tempo_bpm"' in html and 'name="seed"' in html
    assert "Name instruments" in html  # a prompt tip
    assert "data-example=" in html
    assert '<option value="Hip Hop"' in html and '<option value="Melancholic"' in html


def test_it_prefills_from_the_query_and_preferences(alice_client: Client, user) -> None:
    Preferences.objects.create(user=user, default_genre="Jazz", default_mood="Calm", default_duration=45)
    html = alice_client.get("/generate/?prompt=rainy+day+cafe").content.decode()
    assert "rainy day cafe</textarea>" in html
    assert '<option value="Jazz" selected>' in html
    assert '<option value="Calm" selected>' in html
    assert 'value="45"' in html


def test_it_creates_a_track_and_enqueues_it_only_after_commit(
    alice_client: Client, user, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = alice_client.post("/generate/", {**GOOD, "tempo_bpm": "90", "key": "F#m",
                                                   "instruments": "piano, strings", "seed": "7"})
    track = Track.objects.get(user=user)
    assert response.status_code == 302 and response["Location"] == f"/tracks/{track.pk}/"
    assert callbacks, "the enqueue must wait for the commit"
    assert (track.status, track.prompt, track.duration, track.tempo_bpm, track.key, track.seed) == (
        "queued", "calm piano for studying", 30, 90, "F# minor", 7)
    assert track.instruments == ["piano", "strings"]
    assert track.title == "Calm piano for studying"
    task = DBTaskResult.objects.get()
    assert task.queue_name == "cpu" and task.args_kwargs["args"] == [str(track.pk)]
    assert str(task.id) == Track.objects.get(pk=track.pk).task_id
    assert Event.objects.filter(name="music_generation_requested", user=user).exists()


def test_nothing_is_enqueued_when_the_transaction_rolls_back(user) -> None:
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        services.request_generation(user, GOOD)
        raise RuntimeError("boom")
    assert not Track.objects.exists()
    assert not DBTaskResult.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"prompt": ""}, "prompt", "prompt is empty"),
        ({"prompt": "   "}, "prompt", "prompt is empty"),
        ({"prompt": "x" * 600}, "prompt", "600 characters"),
        ({"duration": "14"}, "duration", "between 15 and 120"),
        ({"duration": "121"}, "duration", "between 15 and 120"),
        ({"duration": "abc"}, "duration", "whole number"),
        ({"duration": ""}, "duration", "Choose a duration"),
        ({"genre": "polka"}, "genre", "Unknown genre"),
        ({"mood": "grumpy"}, "mood", "Unknown mood"),
        ({"tempo_bpm": "20"}, "tempo_bpm", "between 40 and 220"),
        ({"key": "H minor"}, "key", "Unknown key"),
        ({"seed": "-1"}, "seed", "Seed must be"),
    ],
)
def test_it_rejects_bad_input_next_to_the_field(alice_client: Client, changes, field, message) -> None:
    response = alice_client.post("/generate/", {**GOOD, **changes})
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="{field.split("_")[0]}-error"' in html, html
    assert message in html
    assert 'aria-invalid="true"' in html
    assert not Track.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_the_service_translates_engine_errors(user) -> None:
    with pytest.raises(services.GenerationRejected) as caught:
        services.request_generation(user, {"prompt": "ok", "duration": 14})
    assert caught.value.field == "duration" and "15" in caught.value.message
    with pytest.raises(services.GenerationRejected) as caught:
        services.request_generation(user, {"prompt": "ok", "duration": 30, "genre": 5})
    assert caught.value.field == "genre"


def test_guests_can_generate_and_keep_the_track_with_their_session(client: Client) -> None:
    response = client.post("/generate/", GOOD)
    assert response.status_code == 302
    track = Track.objects.get()
    assert track.user.is_guest
    assert client.get(response["Location"]).status_code == 200
    assert Client().get(response["Location"]).status_code == 404  # another browser


def test_guests_are_limited_to_short_tracks(client: Client) -> None:
    response = client.post("/generate/", {**GOOD, "duration": "35"})
    assert response.status_code == 400
    assert "up to 30 seconds" in response.content.decode()
    assert not Track.objects.exists()


def test_guests_get_three_tracks_a_day(client: Client) -> None:
    for _ in range(3):
        assert client.post("/generate/", GOOD).status_code == 302
    response = client.post("/generate/", GOOD)
    assert response.status_code == 400
    assert "3 tracks a day" in response.content.decode()
    assert Track.objects.count() == 3


def test_the_generation_rate_limit_answers_429_with_headers(alice_client: Client, settings) -> None:
    settings.HIMIG_RATE_GENERATE = 2
    assert alice_client.post("/generate/", GOOD).status_code == 302
    assert alice_client.post("/generate/", GOOD).status_code == 302
    response = alice_client.post("/generate/", GOOD)
    assert response.status_code == 429
    assert "Try again in about" in response.content.decode()
    assert response["X-RateLimit-Limit"] == "2" and "Retry-After" in response
    assert Track.objects.count() == 2


def test_invalid_requests_do_not_use_up_the_rate_limit(user, settings) -> None:
    settings.HIMIG_RATE_GENERATE = 1
    for _ in range(3):
        with pytest.raises(services.GenerationRejected):
            services.request_generation(user, {**GOOD, "duration": "9"})
    assert services.request_generation(user, GOOD).status == "queued"


def test_the_same_idempotency_key_returns_the_same_track(user) -> None:
    first = services.request_generation(user, GOOD, idempotency_key="k1")
    again = services.request_generation(user, GOOD, idempotency_key="k1")
    assert again.pk == first.pk and Track.objects.count() == 1
    with pytest.raises(services.GenerationRejected) as caught:
        services.request_generation(user, {**GOOD, "prompt": "something else"}, idempotency_key="k1")
    assert caught.value.code == "idempotency_conflict"


def test_the_form_needs_csrf(user) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.post("/generate/", GOOD).status_code == 403
    assert not Track.objects.exists()


@pytest.mark.parametrize(
    ("prompt", "title"),
    [
        ("calm piano", "Calm piano"),
        ("  lots   of   space  ", "Lots of space"),
        ("a " * 80, "A" + " a" * 29 + "…"),
        ("background music for a cooking video with acoustic guitar and light percussion",
         "Background music for a cooking video with acoustic guitar…"),
    ],
)
def test_titles_are_made_from_the_prompt(prompt: str, title: str) -> None:
    assert services.title_from_prompt(prompt) == title


def test_a_rejected_first_try_leaves_no_guest_behind(client: Client) -> None:
    from himig.accounts.models import User

    assert client.post("/generate/", {**GOOD, "prompt": ""}).status_code == 400
    assert not User.objects.filter(is_guest=True).exists()
