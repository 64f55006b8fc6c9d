"""Run inside a separate Himig instance (its own HIMIG_DATA_DIR / DATABASE_URL) by the tests.

``python -m tests.ops.instance seed``      fills the instance with users, tracks, files, events
``python -m tests.ops.instance fingerprint`` prints row counts and file checksums as JSON
"""

from __future__ import annotations

import hashlib
import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "himig.settings")

import django  # noqa: E402

django.setup()

from django.core.files.base import ContentFile  # noqa: E402
from django.core.files.storage import default_storage  # noqa: E402


def seed() -> None:
    from himig.accounts.models import ApiKey, User
    from himig.ops.models import Event
    from himig.studio.models import Track
    from himig.studio.services import track_folder

    owner = User.objects.create_user("owner@example.com", "pw-123456789", display_name="Owner")
    guest = User.objects.create_guest()
    ApiKey.objects.create(user=owner, name="ci", prefix="pfxA", key_hash="d" * 64)
    for i, user in enumerate([owner, owner, guest]):
        track = Track.objects.create(
            user=user,
            title=f"Track {i}",
            prompt="lofi beats",
            duration=30,
            seed=i,
            status="ready",
            generation_ms=900 + i,
        )
        folder = track_folder(track)
        track.files = {
            kind: default_storage.save(f"{folder}/track.{kind}", ContentFile(os.urandom(2048 + i)))
            for kind in ("mp3", "wav")
        }
        track.save(update_fields=["files"])
        Event.objects.create(
            name="music_generation_completed", user=user, properties={"track_id": str(track.pk)}
        )
    Event.objects.create(name="sign_up", user=owner)


def fingerprint() -> dict[str, object]:
    from himig.ops.backup import live_row_counts, storage_names

    files = {}
    for name in storage_names():
        with default_storage.open(name, "rb") as handle:
            files[name] = hashlib.sha256(handle.read()).hexdigest()
    from himig.studio.models import Track

    tracks = sorted((str(t.pk), t.title, json.dumps(t.files, sort_keys=True)) for t in Track.objects.all())
    return {"counts": live_row_counts(), "files": files, "tracks": tracks}


if __name__ == "__main__":
    if sys.argv[1] == "seed":
        seed()
    else:
        print(json.dumps(fingerprint(), sort_keys=True))
