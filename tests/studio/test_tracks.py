"""The track page and its actions, and privacy: someone else's track is a 404 everywhere."""

from __future__ import annotations

import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django_tasks_db.models import DBTaskResult

from himig.studio import services
from himig.studio.models import Track


@pytest.fixture
def track(user, track_factory) -> Track:
    return track_factory(user)


def test_a_ready_track_shows_player_details_and_actions(alice_client: Client, track: Track) -> None:
    html = alice_client.get(f"/tracks/{track.pk}/").content.decode()
    assert "data-player" in html and f"/tracks/{track.pk}/files/mp3" in html
    assert f"/tracks/{track.pk}/files/peaks" in html
    for kind in ("mp3", "wav", "flac", "ogg", "midi", "stems"):
        assert f"files/{kind}?download=1" in html
    assert "Requested" in html and "Measured in the audio" in html and "111.8 BPM" in html
    assert "1234 ms" in html
    for action in ("favorite", "rename", "share", "regenerate", "delete"):
        assert f"/tracks/{track.pk}/{action}" in html
    assert "Variation" in html


def test_a_running_track_shows_progress_that_polls_the_status(alice_client: Client, user, track_factory) -> None:
    running = track_factory(user, status=Track.Status.RUNNING, stage="rendering", progress=0.3)
    html = alice_client.get(f"/tracks/{running.pk}/").content.decode()
    assert f'data-status-url="/tracks/{running.pk}/status"' in html
    assert 'data-stage="rendering" aria-current="step"' in html
    status = alice_client.get(f"/tracks/{running.pk}/status").json()
    assert (status["status"], status["stage"], status["progress"]) == ("running", "rendering", 0.3)


def test_a_queued_track_tells_the_wait(alice_client: Client, user, track_factory) -> None:
    track_factory(user, status=Track.Status.QUEUED)
    mine = track_factory(user, status=Track.Status.QUEUED)
    status = alice_client.get(f"/tracks/{mine.pk}/status").json()
    assert status["queue"] == {"ahead": 1, "workers": 0}
    assert "No generation worker has checked in recently" in alice_client.get(f"/tracks/{mine.pk}/").content.decode()


def test_a_failed_track_shows_the_reason_and_retry_requeues_it(
    alice_client: Client, user, track_factory, django_capture_on_commit_callbacks
) -> None:
    failed = track_factory(user, status=Track.Status.FAILED, error="The SoundFont is missing.", attempts=3)
    html = alice_client.get(f"/tracks/{failed.pk}/").content.decode()
    assert "The SoundFont is missing." in html and f"/tracks/{failed.pk}/retry" in html
    with django_capture_on_commit_callbacks(execute=True):
        assert alice_client.post(f"/tracks/{failed.pk}/retry").status_code == 302
    failed.refresh_from_db()
    assert (failed.status, failed.error, failed.attempts) == ("queued", "", 0)
    assert DBTaskResult.objects.filter(args_kwargs__args=[str(failed.pk)]).exists()


def test_retry_refuses_a_ready_track(track: Track) -> None:
    with pytest.raises(services.ChangeRejected):
        services.retry_track(track)


def test_favorite_toggles_with_json_for_fetch(alice_client: Client, track: Track) -> None:
    response = alice_client.post(f"/tracks/{track.pk}/favorite", {"is_favorite": "1"}, HTTP_ACCEPT="application/json")
    assert response.json() == {"id": str(track.pk), "is_favorite": True}
    response = alice_client.post(f"/tracks/{track.pk}/favorite", {"is_favorite": "0", "next": "/library/"})
    assert response.status_code == 302 and response["Location"] == "/library/"
    track.refresh_from_db()
    assert track.is_favorite is False


def test_favorite_never_redirects_off_site(alice_client: Client, track: Track) -> None:
    response = alice_client.post(f"/tracks/{track.pk}/favorite", {"next": "https://evil.example/"})
    assert response["Location"] == f"/tracks/{track.pk}/"


def test_rename(alice_client: Client, track: Track) -> None:
    alice_client.post(f"/tracks/{track.pk}/rename", {"title": "  Sunday   brunch "})
    track.refresh_from_db()
    assert track.title == "Sunday brunch"
    response = alice_client.post(f"/tracks/{track.pk}/rename", {"title": "   "}, HTTP_ACCEPT="application/json")
    assert response.status_code == 400 and response.json()["details"]["field"] == "title"
    track.refresh_from_db()
    assert track.title == "Sunday brunch"


def test_delete_removes_the_row_and_every_file(
    alice_client: Client, track: Track, django_capture_on_commit_callbacks
) -> None:
    names = list(track.files.values())
    assert all(default_storage.exists(name) for name in names)
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(f"/tracks/{track.pk}/delete")
    assert response.status_code == 302 and response["Location"] == "/library/"
    assert not Track.objects.filter(pk=track.pk).exists()
    assert not any(default_storage.exists(name) for name in names)


def test_regenerate_keeps_the_request_with_a_new_seed(
    alice_client: Client, user, track: Track, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(f"/tracks/{track.pk}/regenerate")
    new = Track.objects.exclude(pk=track.pk).get()
    assert response["Location"] == f"/tracks/{new.pk}/"
    assert (new.prompt, new.duration, new.parent_id, new.status) == (track.prompt, 30, track.pk, "queued")
    assert new.genre == "auto" and new.mood == "auto"  # what was asked for, not what was chosen


def test_variation_pins_the_chosen_settings_and_the_next_seed(alice_client: Client, track: Track) -> None:
    alice_client.post(f"/tracks/{track.pk}/regenerate", {"variation": "1"})
    new = Track.objects.exclude(pk=track.pk).get()
    assert (new.genre, new.mood, new.tempo_bpm, new.key, new.seed) == ("Folk", "Happy", 112, "G major", 43)


def test_play_pings_count(alice_client: Client, track: Track) -> None:
    assert alice_client.post(f"/tracks/{track.pk}/play").status_code == 204
    track.refresh_from_db()
    assert track.play_count == 1


def test_actions_need_post(alice_client: Client, track: Track) -> None:
    for action in ("favorite", "rename", "share", "retry", "regenerate", "delete", "play"):
        assert alice_client.get(f"/tracks/{track.pk}/{action}").status_code == 405


# --- privacy ----------------------------------------------------------------------


def normalised(html: bytes) -> bytes:
    # The CSRF token and CSP nonce change on every response; nothing else may differ.
    return re.sub(rb'(csrf-token" content|nonce|csrfmiddlewaretoken" value)="[^"]*"', b"", html)


PAGES = ["/tracks/{id}/", "/tracks/{id}/status", "/tracks/{id}/files/mp3", "/tracks/{id}/files/peaks",
         "/tracks/{id}/files/wav", "/tracks/{id}/files/stems?download=1"]
ACTIONS = ["favorite", "rename", "share", "retry", "regenerate", "delete", "play"]


@pytest.mark.parametrize("page", PAGES)
def test_another_users_track_is_a_404_like_a_missing_one(
    page: str, user_factory, client_for, track: Track
) -> None:
    bob = client_for(user_factory("bob@example.com"))
    theirs = bob.get(page.format(id=track.pk))
    missing = bob.get(page.format(id="00000000-0000-4000-8000-000000000000"))
    assert theirs.status_code == missing.status_code == 404
    assert normalised(theirs.content) == normalised(missing.content)


@pytest.mark.parametrize("action", ACTIONS)
def test_another_users_track_refuses_every_action_with_404(
    action: str, user_factory, client_for, track: Track
) -> None:
    bob = client_for(user_factory("bob@example.com"))
    response = bob.post(f"/tracks/{track.pk}/{action}", {"title": "mine now", "is_public": "1", "is_favorite": "1"})
    assert response.status_code == 404
    track.refresh_from_db()
    assert (track.title, track.is_public, track.is_favorite, track.play_count) == (
        "Cooking video groove", False, False, 0)
    assert Track.objects.count() == 1


def test_anonymous_visitors_get_404_too(client: Client, track: Track) -> None:
    assert client.get(f"/tracks/{track.pk}/").status_code == 404
    assert client.get(f"/tracks/{track.pk}/files/mp3").status_code == 404
    assert client.post(f"/tracks/{track.pk}/delete").status_code == 404


def test_deleting_a_claimed_guest_track_removes_files_under_the_guests_folder(
    user, track_factory, django_capture_on_commit_callbacks
) -> None:
    from himig.accounts.models import User

    guest = User.objects.create_guest()
    track = track_factory(guest)
    Track.objects.filter(pk=track.pk).update(user=user)  # what signing up does
    track.refresh_from_db()
    extra = default_storage.save(f"tracks/{guest.pk}/{track.pk}/1/leftover.tmp", ContentFile(b"x"))
    names = [*track.files.values(), extra]
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_track(track)
    assert not any(default_storage.exists(name) for name in names)
