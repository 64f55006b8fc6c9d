from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest

from himig.ops.models import Event

_seq = itertools.count()


@pytest.fixture
def user_factory(django_user_model):
    def make(email: str | None = None, **extra: Any):
        if extra.pop("guest", False):
            guest = django_user_model.objects.create_guest()
            for key, value in extra.items():
                setattr(guest, key, value)
            guest.save()
            return guest
        return django_user_model.objects.create_user(
            email or f"user{next(_seq)}@example.com", "pw-123456789", **extra
        )

    return make


@pytest.fixture
def staff_user(user_factory):
    return user_factory("ops@example.com", is_staff=True)


@pytest.fixture
def track_factory():
    from himig.studio.models import Track

    def make(user, **fields: Any) -> Track:
        fields.setdefault("title", "A track")
        fields.setdefault("prompt", "calm piano for studying")
        fields.setdefault("duration", 30)
        fields.setdefault("seed", next(_seq))
        return Track.objects.create(user=user, **fields)

    return make


def at(text: str) -> dt.datetime:
    """An aware UTC datetime from 'YYYY-MM-DD HH:MM'."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def event(name: str, user, when: str, **props: Any) -> Event:
    return Event.objects.create(name=name, user=user, created_at=at(when), properties=props)


@pytest.fixture
def media(settings, tmp_path):
    """A fresh, empty media root for the default storage."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def stored_track(track_factory):
    """A ready track with real files in the default storage, laid out as the worker stores them."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from himig.studio.services import track_folder

    def make(user, **fields: Any):
        track = track_factory(user, status="ready", generation_ms=1200, **fields)
        folder = track_folder(track)
        files = {
            kind: default_storage.save(
                f"{folder}/track.{kind}", ContentFile(f"{kind} of {track.pk}".encode())
            )
            for kind in ("mp3", "wav")
        }
        track.files = files
        track.save(update_fields=["files"])
        return track

    return make
