from __future__ import annotations

import uuid

from django.test import Client

from himig.accounts.services import GUEST_SESSION_KEY

TRACK_KEYS = {
    "id", "title", "prompt", "genre", "mood", "duration", "status", "stage", "progress", "error", "seed",
    "tempo_bpm", "key", "instruments", "delivered", "is_favorite", "is_public", "share_url", "play_count",
    "download_count", "created_at", "finished_at", "generation_ms", "files",
}


def test_it_reads_a_ready_track_with_file_urls(api, user, track_factory) -> None:
    track = track_factory(user)
    response = api.get(f"/api/tracks/{track.pk}")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == TRACK_KEYS
    assert body["id"] == str(track.pk)
    assert body["status"] == "ready"
    assert body["delivered"] == {"tempo_bpm": 120.2, "key": "C major"}
    files = body["files"]
    assert set(files) == {"mp3", "wav", "flac", "ogg", "midi", "stems", "peaks"}
    assert files["mp3"] == f"http://testserver/api/tracks/{track.pk}/audio.mp3"
    assert files["stems"].endswith("/stems.zip")
    assert files["midi"].endswith("/midi")
    assert files["peaks"].endswith("/peaks")


def test_a_queued_track_has_no_file_urls_yet(api, user, track_factory) -> None:
    track = track_factory(user, ready=False)
    body = api.get(f"/api/tracks/{track.pk}").json()
    assert body["status"] == "queued"
    assert body["files"] == dict.fromkeys(["mp3", "wav", "flac", "ogg", "midi", "stems", "peaks"])


def test_it_needs_credentials(anon, user, track_factory) -> None:
    track = track_factory(user)
    response = anon.get(f"/api/tracks/{track.pk}")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert set(response.json()) == {"error", "code", "details"}


def test_the_browser_session_works(user, track_factory) -> None:
    track = track_factory(user)
    client = Client()
    client.force_login(user)
    assert client.get(f"/api/tracks/{track.pk}").status_code == 200


def test_a_guest_session_reads_its_own_track(user_factory, track_factory, db) -> None:
    from himig.accounts.models import User

    guest = User.objects.create_guest()
    track = track_factory(guest)
    client = Client()
    session = client.session
    session[GUEST_SESSION_KEY] = guest.pk
    session.save()
    assert client.get(f"/api/tracks/{track.pk}").status_code == 200


def test_missing_and_malformed_ids_are_404(api) -> None:
    assert api.get(f"/api/tracks/{uuid.uuid4()}").status_code == 404
    response = api.get("/api/tracks/not-a-uuid")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_someone_elses_track_is_404(api, other_user, track_factory) -> None:
    track = track_factory(other_user)
    response = api.get(f"/api/tracks/{track.pk}")
    assert response.status_code == 404
    assert response.json() == {"error": "Track not found.", "code": "not_found", "details": {}}
