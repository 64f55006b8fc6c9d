"""HIMIG_S3_* puts audio on S3-compatible storage: tested against moto's S3 server on loopback."""

from __future__ import annotations

import secrets
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from django.core.files.base import ContentFile
from django.test import Client, override_settings
from django.urls import reverse

from himig import storage
from tests.scale.conftest import make_bucket, s3_env, settings_from_env

AUDIO = bytes(range(256)) * 64  # 16 KiB standing in for an MP3


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch, s3_endpoint: str) -> Iterator[tuple[str, str]]:
    bucket = f"himig-audio-{secrets.token_hex(4)}"
    make_bucket(s3_endpoint, bucket)
    probe = settings_from_env(monkeypatch, **s3_env(s3_endpoint, bucket))
    with override_settings(STORAGES=probe.STORAGES, HIMIG_S3_SIGNED_URL_TTL=probe.HIMIG_S3_SIGNED_URL_TTL):
        yield s3_endpoint, bucket


def bucket_keys(endpoint: str, bucket: str) -> set[str]:
    client = boto3.client(
        "s3", endpoint_url=endpoint, aws_access_key_id="x", aws_secret_access_key="x", region_name="us-east-1"
    )
    return {item["Key"] for item in client.list_objects_v2(Bucket=bucket).get("Contents", [])}


def fetch(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    """GET ``url``; the response headers come back with lower-case names."""
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def test_local_storage_has_no_signed_urls() -> None:
    assert not storage.is_remote()
    assert storage.signed_url("tracks/a.mp3") is None


def test_a_saved_file_lands_in_the_bucket(s3: tuple[str, str]) -> None:
    endpoint, bucket = s3
    assert storage.is_remote()
    name = storage.media_storage().save("tracks/abc/track.mp3", ContentFile(AUDIO))
    assert name in bucket_keys(endpoint, bucket)
    # A second save under the same name never overwrites the first.
    again = storage.media_storage().save("tracks/abc/track.mp3", ContentFile(b"other"))
    assert again != name


def test_a_signed_url_serves_byte_ranges(s3: tuple[str, str]) -> None:
    name = storage.media_storage().save("tracks/abc/track.mp3", ContentFile(AUDIO))
    url = storage.signed_url(name, content_type="audio/mpeg")
    assert url is not None and "X-Amz-Signature=" in url and "X-Amz-Expires=300" in url

    status, headers, body = fetch(url)
    assert (status, body) == (200, AUDIO)
    assert headers["content-type"] == "audio/mpeg"

    status, headers, body = fetch(url, Range="bytes=1000-1999")
    assert status == 206
    assert body == AUDIO[1000:2000]
    assert headers["content-range"] == f"bytes 1000-1999/{len(AUDIO)}"


def test_a_download_url_names_the_file(s3: tuple[str, str]) -> None:
    name = storage.media_storage().save("tracks/abc/track.mp3", ContentFile(AUDIO))
    url = storage.signed_url(name, download_name='Rainy "lofi".mp3')
    assert url is not None
    status, headers, _ = fetch(url)
    assert status == 200
    assert headers["content-disposition"] == 'attachment; filename="Rainy lofi.mp3"'


def test_signed_urls_are_short_lived(s3: tuple[str, str]) -> None:
    # moto serves presigned URLs without enforcing their signature or expiry (real
    # S3, MinIO and Ceph do), so what we can check is what we ask S3 to enforce.
    name = storage.media_storage().save("tracks/abc/track.mp3", ContentFile(AUDIO))
    default = parse_qs(urlsplit(storage.signed_url(name) or "").query)
    assert default["X-Amz-Expires"] == ["300"]
    assert default["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    short = parse_qs(urlsplit(storage.signed_url(name, expires=30) or "").query)
    assert short["X-Amz-Expires"] == ["30"]


def test_removing_a_tracks_files_removes_the_objects(s3: tuple[str, str]) -> None:
    from himig.studio.services import remove_files

    endpoint, bucket = s3
    names = [
        storage.media_storage().save(f"tracks/abc/track.{ext}", ContentFile(AUDIO)) for ext in ("mp3", "wav")
    ]
    assert set(names) <= bucket_keys(endpoint, bucket)
    remove_files([*names, "tracks/abc/already-gone.flac"])
    assert bucket_keys(endpoint, bucket) == set()


@pytest.mark.slow
@pytest.mark.django_db
def test_a_rendered_track_lives_in_the_bucket_and_downloads_through_signed_urls(
    s3: tuple[str, str], django_capture_on_commit_callbacks: Any
) -> None:
    from himig.accounts.models import User
    from himig.studio.models import Track
    from himig.studio.services import delete_track
    from himig.studio.worker import generate_track

    endpoint, bucket = s3
    person = User.objects.create_user("s3@example.com", "a-long-password-1")
    track = Track.objects.create(
        user=person, title="Rain", prompt="calm piano for studying", duration=15, seed=7
    )
    assert generate_track(str(track.pk)) == "ready"
    track.refresh_from_db()

    # What the worker rendered went to the bucket, and nothing else did.
    assert track.files and set(track.files.values()) == bucket_keys(endpoint, bucket)

    client = Client()
    client.force_login(person)
    page = client.get(reverse("studio:track_file", args=[track.pk, "mp3"]))
    assert page.status_code == 302 and page["Cache-Control"] == "private, no-store"
    location = page["Location"]
    assert location.startswith(f"{endpoint}/{bucket}/") and "X-Amz-Signature=" in location

    status, headers, whole = fetch(location)
    assert status == 200 and headers["content-type"] == "audio/mpeg" and whole.startswith((b"ID3", b"\xff"))
    status, headers, part = fetch(location, Range="bytes=100-1123")
    assert status == 206 and part == whole[100:1124]
    assert headers["content-range"] == f"bytes 100-1123/{len(whole)}"

    download = client.get(reverse("studio:track_file", args=[track.pk, "flac"]) + "?download=1")
    assert download.status_code == 302
    status, headers, _ = fetch(download["Location"])
    assert status == 200 and headers["content-disposition"].startswith('attachment; filename="rain')
    track.refresh_from_db()
    assert track.download_count == 1

    # Deleting the track removes its objects (once the deletion is committed).
    with django_capture_on_commit_callbacks(execute=True):
        delete_track(track)
    assert bucket_keys(endpoint, bucket) == set()
