"""Ops dashboard on a million events: how long each figure takes the database.

Builds a throwaway embedded instance (SQLite in a temporary HIMIG_DATA_DIR, or the
PostgreSQL database named by --database-url, which must be empty) with synthetic
activity — by default 20,000 people, 1,000,000 analytics events and 100,000 tracks
over 90 days, plus one request-statistics row per minute and surface — refreshes
the planner statistics, then times the dashboard for the 7/30/90-day presets and a
/metrics scrape, printing the figures it computed.

    .venv/bin/python bench/ops_dashboard.py
    .venv/bin/python bench/ops_dashboard.py --events 200000 --users 5000
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

EVENT_MIX = [
    ("sign_in", 14),
    ("music_generation_requested", 10),
    ("music_generation_completed", 9),
    ("music_generation_failed", 0.4),
    ("play", 40),
    ("download", 9),
    ("favorite", 7),
    ("share", 2),
    ("rate_limit_hit", 0.6),
    ("api_key_created", 0.3),
]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--tracks", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the median is printed")
    parser.add_argument("--database-url", default="", help="an EMPTY PostgreSQL database instead of SQLite")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data directory")
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="himig-bench-ops-")
    os.environ["HIMIG_DATA_DIR"] = data_dir
    os.environ.setdefault("HIMIG_SECRET_KEY", "bench")
    os.environ["HIMIG_LOG_LEVEL"] = "WARNING"
    os.environ["HIMIG_STATIC_MANIFEST"] = "0"  # nothing is collected for this throwaway instance
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "himig.settings")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    print(f"instance: {connection.vendor} in {data_dir}")
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)  # the dashboard caches its figures there
    started = time.perf_counter()
    build(args)
    print(f"built the data in {time.perf_counter() - started:.1f} s")
    call_command("analyze_db")
    measure(args)
    if args.keep:
        print(f"kept {data_dir}")
    else:
        shutil.rmtree(data_dir, ignore_errors=True)


def build(args: argparse.Namespace) -> None:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from himig.ops.models import BUCKET_FIELDS, Event, RequestStat
    from himig.studio.models import Track

    rng = random.Random(20261127)
    now = timezone.now()
    start = now - dt.timedelta(days=args.days)
    span_s = args.days * 86400
    User = get_user_model()

    users = [
        User(
            email=f"bench{i}@bench.invalid" if i % 5 else None,
            is_guest=i % 5 == 0,
            date_joined=start + dt.timedelta(seconds=rng.uniform(0, span_s)),
            password="!",
        )
        for i in range(args.users)
    ]
    User.objects.bulk_create(users, batch_size=5000)
    ids = list(User.objects.order_by("pk").values_list("pk", "date_joined"))
    registered = [(pk, joined) for (pk, joined), u in zip(ids, users, strict=True) if not u.is_guest]

    def when_after(joined: dt.datetime) -> dt.datetime:
        room = max(1.0, (now - joined).total_seconds())
        # Activity thins out after sign-up, as it does.
        return joined + dt.timedelta(seconds=room * rng.random() ** 2.2)

    events: list[Event] = [
        Event(name="sign_up", user_id=pk, created_at=joined, properties={"method": "email"})
        for pk, joined in registered
    ]
    events += [
        Event(name="guest_claimed", user_id=pk, created_at=joined, properties={"tracks": 1})
        for pk, joined in registered[: len(registered) // 4]
    ]
    names = [n for n, _ in EVENT_MIX]
    weights = [w for _, w in EVENT_MIX]
    # A few people do most things: a Zipf-like pick over the people.
    picks = [int(len(ids) * rng.random() ** 3) for _ in range(args.events - len(events))]
    total = len(events)
    Event.objects.bulk_create(events, batch_size=5000)
    batch: list[Event] = []
    for pick, name in zip(picks, rng.choices(names, weights=weights, k=len(picks)), strict=True):
        pk, joined = ids[pick]
        props: dict[str, object] = {}
        if name == "rate_limit_hit":
            props = {"scope": rng.choice(["generate", "write", "login"])}
        elif name.startswith("music_generation"):
            props = {
                "genre": rng.choice(["Pop", "Jazz", "Ambient"]),
                "source": "api" if rng.random() < 0.1 else "web",
            }
        elif name in ("favorite", "share"):
            props = {"on": rng.random() < 0.9}
        batch.append(Event(name=name, user_id=pk, created_at=when_after(joined), properties=props))
        if len(batch) == 10_000:
            Event.objects.bulk_create(batch)
            total += len(batch)
            batch = []
    Event.objects.bulk_create(batch)
    total += len(batch)
    print(f"events: {total:,}")

    tracks = []
    for i in range(args.tracks):
        pk, joined = ids[int(len(ids) * rng.random() ** 3)]
        created = when_after(joined)
        failed = rng.random() < 0.04
        wait = dt.timedelta(seconds=rng.lognormvariate(-0.5, 0.9))
        tracks.append(
            Track(
                user_id=pk, title="bench", prompt="bench", duration=30, seed=i, created_at=created,
                started_at=created + wait, status="failed" if failed else "ready",
                generation_ms=None if failed else int(rng.lognormvariate(7.0, 0.35)),
                genre=rng.choice(["Pop", "Jazz", "Ambient", "Rock"]),
            )
        )  # fmt: skip
        if len(tracks) == 5000:
            Track.objects.bulk_create(tracks)
            tracks = []
    Track.objects.bulk_create(tracks)
    print(f"tracks: {args.tracks:,}")

    rows = []
    minute = start.replace(second=0, microsecond=0)
    written = 0
    while minute < now:
        for surface in ("web", "api"):
            buckets = [0] * len(BUCKET_FIELDS)
            for index in rng.choices(
                range(len(BUCKET_FIELDS)), weights=[9, 30, 30, 18, 8, 3, 1, 0.5, 0.2, 0.1], k=8
            ):
                buckets[index] += 1
            rows.append(RequestStat(minute=minute, surface=surface, status_class="2xx", count=8, total_ms=400,
                                    **dict(zip(BUCKET_FIELDS, buckets, strict=True))))  # fmt: skip
            if rng.random() < 0.05:
                rows.append(
                    RequestStat(
                        minute=minute, surface=surface, status_class="5xx", count=1, total_ms=30, le_50=1
                    )
                )
        minute += dt.timedelta(minutes=1)
        if len(rows) >= 10_000:
            RequestStat.objects.bulk_create(rows)
            written += len(rows)
            rows = []
    RequestStat.objects.bulk_create(rows)
    print(f"request-statistics rows: {written + len(rows):,}")


def timed(repeat: int, fn):  # type: ignore[no-untyped-def]
    runs, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs), result


def measure(args: argparse.Namespace) -> None:
    from django.test import Client

    from himig.accounts.models import User
    from himig.ops import kpis
    from himig.ops.metrics import render_metrics

    print(f"\n{'range':>8} {'compute':>9} {'page':>8}  figures")
    staff = User.objects.create_user("bench-staff@bench.invalid", None, is_staff=True)
    client = Client()
    client.force_login(staff)
    for days in kpis.PRESET_DAYS:
        rng = kpis.parse_range({"days": str(days)})
        seconds, d = timed(args.repeat, lambda rng=rng: kpis.compute(rng))
        page_s, response = timed(args.repeat, lambda days=days: client.get(f"/ops/?days={days}&fresh=1"))
        assert response.status_code == 200
        print(
            f"{days:>6} d {seconds:>8.2f}s {page_s:>7.2f}s  registrations {d.registrations_total:,}, "
            f"avg DAU {d.avg_dau:,.0f}, WAU {d.wau:,}, MAU {d.mau:,}, generations {d.generations_total:,} "
            f"(success {100 * (d.success_rate or 0):.1f}%, p50/p95 {d.generation_p50_ms}/{d.generation_p95_ms} ms, "
            f"wait p95 {d.wait_p95_ms} ms), web p95 ≤ {d.surfaces['web'].p95_ms} ms, "
            f"rate-limit hits {d.rate_limit_total:,}, cohorts {len(d.cohorts)}"
        )
    seconds, body = timed(args.repeat, render_metrics)
    print(f"\n/metrics scrape: {seconds:.2f} s, {len(body):,} bytes")


if __name__ == "__main__":
    main()
