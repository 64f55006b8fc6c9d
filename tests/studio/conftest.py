"""Fixtures for the studio tests: people, and tracks with real files in storage."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import soundfile
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone

from himig.accounts.models import User
from himig.studio.models import Track


@pytest.fixture(autouse=True)
def _fresh_limits(db: None) -> None:
    # Rate-limit counters live in the shared cache; every test starts at zero.
    cache.clear()


@pytest.fixture
def user_factory(db: None) -> Callable[..., User]:
    count = {"n": 0}

    def make(email: str | None = None, **extra: Any) -> User:
        count["n"] += 1
        return User.objects.create_user(email or f"person{count['n']}@example.com", "a-long-password-1", **extra)

    return make


@pytest.fixture
def user(user_factory: Callable[..., User]) -> User:
    return user_factory("alice@example.com")


@pytest.fixture
def client_for() -> Callable[[User | None], Client]:
    def make(person: User | None) -> Client:
        client = Client()
        if person is not None:
            client.force_login(person)
        return client

    return make


@pytest.fixture
def alice_client(user: User, client_for: Callable[[User | None], Client]) -> Client:
    return client_for(user)


def flac_bytes(seconds: float = 1.0, rate: int = 44100) -> bytes:
    t = np.arange(int(seconds * rate)) / rate
    tone = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    buffer = io.BytesIO()
    soundfile.write(buffer, np.stack([tone, tone], axis=1), rate, format="FLAC", subtype="PCM_16")
    return buffer.getvalue()


MP3_BYTES = bytes(range(256)) * 40  # 10 240 bytes: content does not matter to Range handling


@pytest.fixture
def track_factory(db: None) -> Callable[..., Track]:
    def make(owner: User, *, status: str = Track.Status.READY, with_files: bool = True, **fields: Any) -> Track:
        defaults: dict[str, Any] = {
            "title": "Cooking video groove",
            "prompt": "upbeat acoustic guitar for a cooking video",
            "genre": "Folk",
            "mood": "Happy",
            "duration": 30,
            "seed": 42,
            "status": status,
            "stage": "ready" if status == Track.Status.READY else status,
            "progress": 1.0 if status == Track.Status.READY else 0.0,
        }
        defaults.update(fields)
        track = Track.objects.create(user=owner, **defaults)
        if with_files and status == Track.Status.READY:
            folder = f"tracks/{owner.pk}/{track.pk}/1"
            names = {
                "mp3": default_storage.save(f"{folder}/track.mp3", ContentFile(MP3_BYTES)),
                "flac": default_storage.save(f"{folder}/track.flac", ContentFile(flac_bytes())),
                "peaks": default_storage.save(f"{folder}/peaks.json", ContentFile(json.dumps([0.1, 0.5, 0.9, 0.3]))),
                "midi": default_storage.save(f"{folder}/track.mid", ContentFile(b"MThd\x00\x00\x00\x06")),
                "stems": default_storage.save(f"{folder}/stems.zip", ContentFile(b"PK\x05\x06" + b"\x00" * 18)),
            }
            track.files = names
            track.metadata = {"genre": defaults["genre"], "mood": defaults["mood"], "tempo_bpm": 112, "key": "G major",
                              "requested": {"genre": "auto", "mood": "auto", "tempo_bpm": None, "key": ""}}
            track.delivered = {"tempo_bpm": 111.8, "key": "G major"}
            track.generation_ms = 1234
            track.finished_at = timezone.now()
            track.save()
        return track

    return make
