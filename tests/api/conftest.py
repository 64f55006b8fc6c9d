"""Fixtures for the API tests: users, keys, and tracks with real files in storage."""

from __future__ import annotations

import io
import json
import wave
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone

from himig.accounts.models import User
from himig.api.services import create_api_key
from himig.studio.models import Track


@pytest.fixture(autouse=True)
def _clean_rate_limits(db: None) -> None:
    # Counters live in the cache/database shared by the whole run; start each test at zero.
    from django.core.cache import cache

    from himig.api.models import RateCounter

    RateCounter.objects.all().delete()
    try:
        cache.clear()
    except Exception:  # noqa: BLE001 - a DatabaseCache whose table the test database lacks
        pass


@pytest.fixture
def user_factory(db: None) -> Callable[..., User]:
    count = {"n": 0}

    def make(email: str | None = None, **extra: Any) -> User:
        count["n"] += 1
        # No password: hashing one costs a second per user on a busy machine; force_login needs none.
        return User.objects.create_user(email or f"person{count['n']}@example.com", **extra)

    return make


@pytest.fixture
def user(user_factory: Callable[..., User]) -> User:
    return user_factory("alice@example.com")


@pytest.fixture
def other_user(user_factory: Callable[..., User]) -> User:
    return user_factory("bob@example.com")


@pytest.fixture
def api_key(user: User) -> str:
    return create_api_key(user, "tests")[1]


class ApiClient:
    """A test client that speaks JSON and carries a bearer key."""

    def __init__(self, key: str | None = None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {key}"} if key else {}

    def _call(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None,
              **kw: Any) -> Any:
        all_headers = {**self.headers, **(headers or {})}
        if body is not None and "content_type" not in kw:
            kw["content_type"] = "application/json"
            body = json.dumps(body)
        if body is not None:
            kw["data"] = body
        return getattr(self.client, method)(path, headers=all_headers, **kw)

    def get(self, path: str, **kw: Any) -> Any:
        return self._call("get", path, **kw)

    def head(self, path: str, **kw: Any) -> Any:
        return self._call("head", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self._call("post", path, body, **kw)

    def patch(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self._call("patch", path, body, **kw)

    def delete(self, path: str, **kw: Any) -> Any:
        return self._call("delete", path, **kw)


@pytest.fixture
def api(api_key: str) -> ApiClient:
    return ApiClient(api_key)


@pytest.fixture
def anon() -> ApiClient:
    return ApiClient()


def _wav_bytes(seconds: float = 0.5, rate: int = 8000) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\x00\x01" * int(seconds * rate))
    return buf.getvalue()


@pytest.fixture
def track_factory(db: None) -> Callable[..., Track]:
    def make(owner: User, *, ready: bool = True, **fields: Any) -> Track:
        values: dict[str, Any] = {
            "title": "Sunny morning",
            "prompt": "a sunny morning with acoustic guitar",
            "genre": "Pop",
            "mood": "Happy",
            "duration": 15,
            "seed": 7,
        }
        values.update(fields)
        track = Track.objects.create(user=owner, **values)
        if ready:
            folder = f"tracks/{owner.pk}/{track.pk}"
            payloads = {
                "mp3": b"ID3" + bytes(range(256)) * 8,
                "wav": _wav_bytes(),
                "flac": b"fLaC" + bytes(2000),
                "ogg": b"OggS" + bytes(2000),
                "midi": b"MThd\x00\x00\x00\x06\x00\x01\x00\x01\x01\xe0",
                "stems": b"PK\x05\x06" + bytes(18),
                "peaks": json.dumps({"peaks": [0.1, 0.5, 0.2]}).encode(),
            }
            names = {"mp3": "track.mp3", "wav": "track.wav", "flac": "track.flac", "ogg": "track.ogg",
                     "midi": "track.mid", "stems": "stems.zip", "peaks": "peaks.json"}
            files = {kind: default_storage.save(f"{folder}/{names[kind]}", ContentFile(data))
                     for kind, data in payloads.items()}
            track.status = Track.Status.READY
            track.stage = "ready"
            track.progress = 1.0
            track.files = files
            track.finished_at = timezone.now()
            track.generation_ms = 900
            track.delivered = {"tempo_bpm": 120.2, "key": "C major"}
            track.save()
        return track

    return make
