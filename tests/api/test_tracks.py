from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from himig.studio.models import Track

FILE_PATHS = ["audio.mp3", "audio.wav", "audio.flac", "audio.ogg", "midi", "stems.zip", "peaks"]


# --- list ---------------------------------------------------------------------


def test_the_list_is_newest_first_and_only_mine(api, user, other_user, track_factory) -> None:
    now = timezone.now()
    old = track_factory(user, created_at=now - dt.timedelta(hours=2))
    new = track_factory(user, created_at=now - dt.timedelta(hours=1))
    track_factory(other_user)
    body = api.get("/api/tracks").json()
    assert [t["id"] for t in body["items"]] == [str(new.pk), str(old.pk)]
    assert body["next_cursor"] is None


def test_the_list_pages_with_a_cursor(api, user, track_factory) -> None:
    now = timezone.now()
    made = [track_factory(user, ready=False, created_at=now - dt.timedelta(minutes=i)) for i in range(5)]
    first = api.get("/api/tracks?limit=2").json()
    second = api.get(f"/api/tracks?limit=2&cursor={first['next_cursor']}").json()
    third = api.get(f"/api/tracks?limit=2&cursor={second['next_cursor']}").json()
    seen = [t["id"] for t in first["items"] + second["items"] + third["items"]]
    assert seen == [str(t.pk) for t in made]
    assert third["next_cursor"] is None


def test_the_list_filters(api, user, track_factory) -> None:
    jazz = track_factory(user, genre="Jazz", mood="Calm", title="Late night", prompt="smoky late night jazz")
    fav = track_factory(user, genre="Rock", mood="Epic", is_favorite=True, title="Anthem", prompt="stadium rock")

    def ids(query: str) -> list[str]:
        return [t["id"] for t in api.get(f"/api/tracks?{query}").json()["items"]]

    assert ids("genre=jazz") == [str(jazz.pk)]
    assert ids("mood=Epic") == [str(fav.pk)]
    assert ids("favorite=true") == [str(fav.pk)]
    assert ids("q=smoky") == [str(jazz.pk)]
    assert ids("q=nothing-matches") == []


@pytest.mark.parametrize("query", ["limit=101", "limit=0", "limit=abc", "favorite=maybe", "cursor=!!bogus!!"])
def test_bad_list_parameters_are_422(api, query) -> None:
    response = api.get(f"/api/tracks?{query}")
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_limit_100_is_allowed(api) -> None:
    assert api.get("/api/tracks?limit=100").status_code == 200


# --- change and delete --------------------------------------------------------------


def test_patch_renames_and_shares(api, user, track_factory) -> None:
    track = track_factory(user)
    response = api.patch(f"/api/tracks/{track.pk}", {"title": "New name", "is_public": True})
    assert response.status_code == 200
    body = response.json()
    assert body["title"] == "New name" and body["is_public"] is True
    track.refresh_from_db()
    assert body["share_url"] == f"http://testserver/t/{track.share_slug}"
    body = api.patch(f"/api/tracks/{track.pk}", {"is_public": False}).json()
    assert body["share_url"] is None


def test_patch_refuses_an_empty_title(api, user, track_factory) -> None:
    track = track_factory(user)
    response = api.patch(f"/api/tracks/{track.pk}", {"title": "   "})
    assert response.status_code == 422
    assert "title" in response.json()["details"]["fields"]


def test_patch_refuses_unknown_and_mistyped_fields(api, user, track_factory) -> None:
    track = track_factory(user)
    assert api.patch(f"/api/tracks/{track.pk}", {"genre": "Jazz"}).status_code == 422
    assert api.patch(f"/api/tracks/{track.pk}", {"is_favorite": "very"}).status_code == 422


def test_favorite(api, user, track_factory) -> None:
    track = track_factory(user)
    response = api.patch(f"/api/tracks/{track.pk}/favorite", {"is_favorite": True})
    assert response.status_code == 200 and response.json()["is_favorite"] is True
    assert Track.objects.get(pk=track.pk).is_favorite
    assert api.patch(f"/api/tracks/{track.pk}/favorite", {}).status_code == 422


@pytest.mark.django_db(transaction=True)
def test_delete_removes_the_row_and_files(user, track_factory, api_key) -> None:
    from tests.api.conftest import ApiClient

    api = ApiClient(api_key)
    track = track_factory(user)
    names = list(track.files.values())
    assert all(default_storage.exists(n) for n in names)
    response = api.delete(f"/api/tracks/{track.pk}")
    assert response.status_code == 204
    assert response.content == b""
    assert not Track.objects.filter(pk=track.pk).exists()
    assert not any(default_storage.exists(n) for n in names)
    assert api.get(f"/api/tracks/{track.pk}").status_code == 404


# --- files ----------------------------------------------------------------------


@pytest.mark.parametrize(("path", "kind"), list(zip(FILE_PATHS, ["mp3", "wav", "flac", "ogg", "midi", "stems", "peaks"],
                                                    strict=True)))
def test_every_file_is_served(api, user, track_factory, path, kind) -> None:
    track = track_factory(user)
    response = api.get(f"/api/tracks/{track.pk}/{path}")
    assert response.status_code == 200
    with default_storage.open(track.files[kind], "rb") as fh:
        assert b"".join(response.streaming_content) == fh.read()


def test_audio_answers_range_requests_with_206(api, user, track_factory) -> None:
    track = track_factory(user)
    size = default_storage.size(track.files["mp3"])
    response = api.get(f"/api/tracks/{track.pk}/audio.mp3", headers={"Range": "bytes=0-99"})
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 0-99/{size}"
    assert len(b"".join(response.streaming_content)) == 100
    assert response["Accept-Ranges"] == "bytes"


def test_an_unsatisfiable_range_is_416(api, user, track_factory) -> None:
    track = track_factory(user)
    response = api.get(f"/api/tracks/{track.pk}/audio.mp3", headers={"Range": "bytes=999999-"})
    assert response.status_code == 416


@pytest.mark.parametrize("path", FILE_PATHS)
def test_files_of_an_unfinished_track_are_409(api, user, track_factory, path) -> None:
    track = track_factory(user, ready=False)
    response = api.get(f"/api/tracks/{track.pk}/{path}")
    assert response.status_code == 409
    assert response.json()["code"] == "track_not_ready"


def test_a_missing_stored_file_is_404(api, user, track_factory) -> None:
    track = track_factory(user)
    default_storage.delete(track.files["midi"])
    assert api.get(f"/api/tracks/{track.pk}/midi").status_code == 404


# --- privacy: another person's track is indistinguishable from a missing one ---------


def _every_route(track_id: str) -> list[tuple[str, str, dict | None]]:
    routes: list[tuple[str, str, dict | None]] = [
        ("get", f"/api/tracks/{track_id}", None),
        ("patch", f"/api/tracks/{track_id}", {"title": "mine now"}),
        ("patch", f"/api/tracks/{track_id}/favorite", {"is_favorite": True}),
        ("delete", f"/api/tracks/{track_id}", None),
    ]
    routes += [("get", f"/api/tracks/{track_id}/{p}", None) for p in FILE_PATHS]
    return routes


def test_user_b_gets_404_on_every_route_of_user_as_track(api, other_user, track_factory) -> None:
    # `api` is signed in as alice; the track belongs to bob.
    track = track_factory(other_user, is_public=True, share_slug="bobs-public-slug")
    for method, path, body in _every_route(str(track.pk)):
        response = getattr(api, method)(path, body) if body is not None else getattr(api, method)(path)
        assert response.status_code == 404, (method, path, response.status_code)
        assert response.json() == {"error": "Track not found.", "code": "not_found", "details": {}}
    track.refresh_from_db()
    assert track.title == "Sunny morning" and not track.is_favorite
    ids = [t["id"] for t in api.get("/api/tracks").json()["items"]]
    assert str(track.pk) not in ids


def test_audio_answers_head_with_the_size(api, user, track_factory) -> None:
    track = track_factory(user)
    response = api.head(f"/api/tracks/{track.pk}/audio.mp3")
    assert response.status_code == 200
    assert response["Content-Length"] == str(default_storage.size(track.files["mp3"]))
    assert response["Accept-Ranges"] == "bytes"


def test_a_wrong_method_is_a_json_405(api, user, track_factory) -> None:
    track = track_factory(user)
    response = api._call("put", f"/api/tracks/{track.pk}", {"title": "x"})
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert "PATCH" in response["Allow"]


def test_an_unknown_api_path_is_a_json_404(api) -> None:
    for path in ("/api/nothing-here", "/api/tracks/", "/api/health/"):
        response = api.get(path)
        assert response.status_code == 404, path
        assert response.json()["code"] == "not_found"
