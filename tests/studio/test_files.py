"""Serving track files: Range (206/416/200), download names and counts, readiness."""

from __future__ import annotations

import io

import pytest
import soundfile
from django.core.files.storage import default_storage
from django.test import Client

from himig.ops.models import Event
from himig.studio.files import parse_range
from himig.studio.models import Track
from tests.studio.conftest import MP3_BYTES


@pytest.fixture
def track(user, track_factory) -> Track:
    return track_factory(user, title="Sunny Kitchen: Take 2!")


def url(track: Track, kind: str = "mp3") -> str:
    return f"/tracks/{track.pk}/files/{kind}"


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_whole_file_answers_200_with_length_and_validators(alice_client: Client, track: Track) -> None:
    response = alice_client.get(url(track))
    assert response.status_code == 200
    assert response["Content-Type"] == "audio/mpeg"
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Length"] == str(len(MP3_BYTES))
    assert response["ETag"].startswith('"') and response["Last-Modified"]
    assert body(response) == MP3_BYTES


def test_a_range_answers_206_with_exactly_those_bytes(alice_client: Client, track: Track) -> None:
    response = alice_client.get(url(track), HTTP_RANGE="bytes=100-199")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 100-199/{len(MP3_BYTES)}"
    assert response["Content-Length"] == "100"
    assert body(response) == MP3_BYTES[100:200]


def test_open_ended_and_suffix_ranges(alice_client: Client, track: Track) -> None:
    size = len(MP3_BYTES)
    response = alice_client.get(url(track), HTTP_RANGE=f"bytes={size - 10}-")
    assert response.status_code == 206 and body(response) == MP3_BYTES[-10:]
    response = alice_client.get(url(track), HTTP_RANGE="bytes=-25")
    assert response.status_code == 206 and body(response) == MP3_BYTES[-25:]
    assert response["Content-Range"] == f"bytes {size - 25}-{size - 1}/{size}"
    response = alice_client.get(url(track), HTTP_RANGE="bytes=0-999999")
    assert response.status_code == 206 and body(response) == MP3_BYTES


def test_a_range_past_the_end_answers_416(alice_client: Client, track: Track) -> None:
    response = alice_client.get(url(track), HTTP_RANGE=f"bytes={len(MP3_BYTES)}-")
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(MP3_BYTES)}"


def test_a_range_it_cannot_parse_gets_the_whole_file(alice_client: Client, track: Track) -> None:
    for header in ("bytes=5-2", "pages=1-2", "bytes=0-1,5-6"):
        response = alice_client.get(url(track), HTTP_RANGE=header)
        assert response.status_code == 200, header
        assert body(response) == MP3_BYTES


def test_if_range_with_an_old_etag_gets_the_whole_file(alice_client: Client, track: Track) -> None:
    response = alice_client.get(url(track), HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE='"old"')
    assert response.status_code == 200


def test_if_none_match_answers_304(alice_client: Client, track: Track) -> None:
    etag = alice_client.get(url(track))["ETag"]
    assert alice_client.get(url(track), HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_head_answers_headers_only(alice_client: Client, track: Track) -> None:
    response = alice_client.head(url(track))
    assert response.status_code == 200 and response["Content-Length"] == str(len(MP3_BYTES))
    assert response.content == b""


@pytest.mark.parametrize(
    ("kind", "content_type", "name"),
    [
        ("mp3", "audio/mpeg", "sunny-kitchen-take-2.mp3"),
        ("flac", "audio/flac", "sunny-kitchen-take-2.flac"),
        ("midi", "audio/midi", "sunny-kitchen-take-2.mid"),
        ("stems", "application/zip", "sunny-kitchen-take-2-stems.zip"),
    ],
)
def test_downloads_are_named_after_the_title_and_counted(
    alice_client: Client, track: Track, kind: str, content_type: str, name: str, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.get(url(track, kind) + "?download=1")
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert f'attachment; filename="{name}"' in response["Content-Disposition"]
    track.refresh_from_db()
    assert track.download_count == 1
    assert Event.objects.get(name="download").properties["format"] == kind


def test_streaming_for_the_player_is_not_a_download(alice_client: Client, track: Track) -> None:
    alice_client.get(url(track), HTTP_RANGE="bytes=0-")
    alice_client.get(url(track), HTTP_RANGE="bytes=500-")
    track.refresh_from_db()
    assert track.download_count == 0


def test_wav_is_made_from_the_flac_on_first_download_and_kept(alice_client: Client, track: Track) -> None:
    pytest.importorskip("himig.engine.export")
    response = alice_client.get(url(track, "wav") + "?download=1")
    assert response.status_code == 200 and response["Content-Type"] == "audio/wav"
    audio, rate = soundfile.read(io.BytesIO(body(response)))
    assert rate == 44100 and audio.shape == (44100, 2)
    track.refresh_from_db()
    assert default_storage.exists(track.files["wav"])
    again = alice_client.get(url(track, "wav"))
    assert body(again) == default_storage.open(track.files["wav"]).read()


def test_files_of_an_unfinished_track_answer_409(alice_client: Client, user, track_factory) -> None:
    running = track_factory(user, status=Track.Status.RUNNING)
    response = alice_client.get(url(running))
    assert response.status_code == 409
    assert response.json()["code"] == "not_ready"


def test_an_unknown_kind_is_404(alice_client: Client, track: Track) -> None:
    assert alice_client.get(url(track, "exe")).status_code == 404


@pytest.mark.parametrize(
    ("header", "expected"),
    [("bytes=0-0", (0, 0)), ("bytes=10-", (10, 99)), ("bytes=-1", (99, 99)), ("bytes=-500", (0, 99)),
     ("bytes=100-", "unsatisfiable"), ("bytes=-0", "unsatisfiable"), ("bytes=9-3", None), ("bytes=-", None),
     ("items=1-2", None)],
)
def test_parse_range(header: str, expected) -> None:
    assert parse_range(header, 100) == expected
