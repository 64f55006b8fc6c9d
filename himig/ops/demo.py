"""Synthetic activity for looking at the ops dashboard (``manage.py seed_demo_data``).

Demo people have addresses at ``demo.himig.invalid`` (a reserved domain that can
never receive mail); demo tracks are rows without audio files, so ``orphans``
lists them as tracks with missing files. ``--clear`` removes all of it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from himig.ops.maintenance import purge_users
from himig.ops.models import BUCKET_FIELDS, Event, RequestStat

DEMO_DOMAIN = "demo.himig.invalid"
DEMO_GUEST_NAME = "demo guest"
# An event (user-less) that records which hours of request statistics the demo wrote.
DEMO_MARKER = "demo_seeded"
GENRES = [
    "Pop",
    "Rock",
    "Jazz",
    "Classical",
    "Electronic",
    "Hip Hop",
    "Ambient",
    "Cinematic",
    "Folk",
    "Blues",
]
MOODS = ["Happy", "Calm", "Energetic", "Epic", "Melancholic", "Uplifting", "Dark", "Peaceful"]
PROMPTS = [
    "upbeat electronic music for a workout video",
    "calm piano for studying",
    "epic cinematic trailer with a slow build",
    "lofi hip hop beat for a podcast intro",
    "relaxing ambient pads for meditation",
    "happy acoustic folk for a cooking video",
]
# Typical share of requests per latency bucket (≤10 ms … >5 s) for the web and the API.
LATENCY_MIX = {
    "web": [8, 30, 30, 18, 9, 3, 1.2, 0.5, 0.2, 0.1],
    "api": [20, 35, 25, 12, 5, 2, 0.6, 0.2, 0.1, 0.1],
}


@dataclasses.dataclass
class DemoSummary:
    users: int = 0
    guests: int = 0
    events: int = 0
    tracks: int = 0
    request_minutes: int = 0


def demo_user_ids() -> list[int]:
    User = get_user_model()
    return list(User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}").values_list("pk", flat=True)) + list(
        User.objects.filter(is_guest=True, display_name=DEMO_GUEST_NAME).values_list("pk", flat=True)
    )


def has_real_data() -> bool:
    """Anyone or anything that is not demo data (the command refuses to mix them)."""
    User = get_user_model()
    ids = demo_user_ids()
    real_users = User.objects.exclude(pk__in=ids).filter(is_staff=False, is_superuser=False)
    return real_users.exists() or Event.objects.exclude(user_id__in=ids).exclude(name=DEMO_MARKER).exists()


def clear_demo_data() -> int:
    """Remove demo people with their tracks and events, and the demo's request statistics."""
    ids = demo_user_ids()
    purge_users(ids, delete_accounts=True)
    for marker in Event.objects.filter(name=DEMO_MARKER):
        window = marker.properties
        RequestStat.objects.filter(
            minute__gte=dt.datetime.fromisoformat(window["from"]),
            minute__lte=dt.datetime.fromisoformat(window["to"]),
        ).delete()
    Event.objects.filter(name=DEMO_MARKER).delete()
    return len(ids)


def seed(days: int, users: int, rng_seed: int, now: dt.datetime | None = None) -> DemoSummary:
    """Replace any earlier demo data with ``days`` days of activity by about ``users`` people."""
    from himig.studio.models import Track

    now = now or timezone.now()
    rng = random.Random(rng_seed)
    User = get_user_model()
    summary = DemoSummary()
    start = (now - dt.timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    with transaction.atomic():
        clear_demo_data()
        events: list[Event] = []
        tracks: list[Track] = []
        people = []
        for i in range(users):
            # Growth: more sign-ups towards the end of the period.
            day = int(days * (1 - rng.random() ** 1.6))
            joined = start + dt.timedelta(days=min(day, days - 1), hours=rng.uniform(7, 23))
            person = User.objects.create_user(f"demo{i}@{DEMO_DOMAIN}", None, date_joined=joined)
            people.append(person)
            if rng.random() < 0.35:  # came in as a guest first and claimed the tracks
                events.append(
                    Event(name="guest_claimed", user=person, created_at=joined, properties={"tracks": 1})
                )
            events.append(
                Event(name="sign_up", user=person, created_at=joined, properties={"method": "email"})
            )
        guests = [User.objects.create_guest() for _ in range(int(users * 0.6))]
        for guest in guests:
            guest.display_name = DEMO_GUEST_NAME
            guest.date_joined = start + dt.timedelta(days=rng.randrange(days), hours=rng.uniform(0, 24))
        User.objects.bulk_update(guests, ["display_name", "date_joined"])
        summary.users, summary.guests = len(people), len(guests)

        for person in people:
            engaged = rng.random()  # some people stay, most drift away
            api_user = rng.random() < 0.15
            day = person.date_joined
            while day < now:
                since = (day - person.date_joined).days
                if since == 0 or rng.random() < engaged * 0.9 ** (since / 3):
                    _one_day(rng, person, day, api_user, events, tracks)
                day += dt.timedelta(days=1)
        for guest in guests:
            _one_day(rng, guest, guest.date_joined, False, events, tracks, guest=True)

        Track.objects.bulk_create(tracks, batch_size=1000)
        Event.objects.bulk_create(events, batch_size=2000)
        summary.events, summary.tracks = len(events), len(tracks)
        summary.request_minutes = _request_stats(rng, start, now)
    return summary


def _one_day(rng, person, day, api_user, events, tracks, guest: bool = False) -> None:  # type: ignore[no-untyped-def]
    from himig.studio.models import Track

    at = day.replace(hour=rng.randrange(7, 23), minute=rng.randrange(60))
    if not guest:
        events.append(Event(name="sign_in", user=person, created_at=at, properties={"method": "email"}))
    for n in range(rng.choice([0, 1, 1, 2, 3]) if not guest else rng.choice([1, 1, 2])):
        created = at + dt.timedelta(minutes=3 * n + 1)
        if created > timezone.now():
            break
        source = "api" if api_user and rng.random() < 0.6 else "web"
        genre, mood = rng.choice(GENRES), rng.choice(MOODS)
        failed = rng.random() < 0.035
        wait = dt.timedelta(seconds=rng.lognormvariate(-0.5, 0.9))
        gen_ms = int(rng.lognormvariate(7.0, 0.35)) if not failed else None
        started = created + wait
        finished = started + dt.timedelta(milliseconds=gen_ms or 800)
        track = Track(
            user=person, title=rng.choice(PROMPTS).capitalize()[:60], prompt=rng.choice(PROMPTS), genre=genre,
            mood=mood, duration=rng.choice([15, 30, 30, 60, 90, 120]), seed=rng.randrange(2**31), source=source,
            status="failed" if failed else "ready", stage="failed" if failed else "ready",
            progress=1.0, error="The engine could not render this arrangement." if failed else "",
            generation_ms=gen_ms, created_at=created, started_at=started, finished_at=finished, attempts=1,
            metadata={"demo": True},
        )  # fmt: skip
        tracks.append(track)
        props = {
            "track_id": str(track.id),
            "genre": genre,
            "mood": mood,
            "duration": track.duration,
            "source": source,
        }
        events.append(
            Event(name="music_generation_requested", user=person, created_at=created, properties=props)
        )
        if failed:
            events.append(Event(name="music_generation_failed", user=person, created_at=finished,
                                properties={"track_id": str(track.id), "reason": track.error}))  # fmt: skip
            continue
        events.append(Event(name="music_generation_completed", user=person, created_at=finished,
                            properties={**props, "generation_ms": gen_ms}))  # fmt: skip
        later = finished + dt.timedelta(minutes=1)
        for _ in range(rng.choice([0, 1, 2, 3])):
            events.append(
                Event(name="play", user=person, created_at=later, properties={"track_id": str(track.id)})
            )
        for name, chance, extra in (
            ("favorite", 0.25, {"on": True}),
            ("download", 0.3, {"format": rng.choice(["mp3", "mp3", "wav", "flac"])}),
            ("share", 0.08, {"on": True}),
        ):
            if rng.random() < chance:
                events.append(
                    Event(
                        name=name,
                        user=person,
                        created_at=later,
                        properties={"track_id": str(track.id), **extra},
                    )
                )
    if rng.random() < 0.03:
        events.append(
            Event(
                name="rate_limit_hit",
                user=None,
                created_at=at,
                properties={"scope": rng.choice(["generate", "write"])},
            )
        )


def _request_stats(rng: random.Random, start: dt.datetime, now: dt.datetime) -> int:
    """Hourly request rows (stored on the hour's first minute); the window is recorded for --clear."""
    rows = []
    hour = start
    while hour < now:
        for surface, base in (("web", 900), ("api", 250)):
            daily = 0.4 + 0.6 * abs(12 - hour.hour) / 12
            n = int(base * (1.6 - daily) * rng.uniform(0.7, 1.3))
            errors = sum(1 for _ in range(n) if rng.random() < 0.004)
            for klass, count in (("2xx", n - errors), ("5xx", errors)):
                if not count:
                    continue
                weights = LATENCY_MIX[surface]
                buckets = [0] * len(BUCKET_FIELDS)
                for index in rng.choices(range(len(BUCKET_FIELDS)), weights=weights, k=count):
                    buckets[index] += 1
                mids = [5, 17, 37, 75, 175, 375, 750, 1750, 3750, 7000]
                rows.append(
                    RequestStat(
                        minute=hour, surface=surface, status_class=klass, count=count,
                        total_ms=sum(m * b for m, b in zip(mids, buckets, strict=True)),
                        **dict(zip(BUCKET_FIELDS, buckets, strict=True)),
                    )
                )  # fmt: skip
        hour += dt.timedelta(hours=1)
    RequestStat.objects.bulk_create(rows, batch_size=1000)
    Event.objects.create(name=DEMO_MARKER, properties={"from": start.isoformat(), "to": now.isoformat()})
    return len(rows)
