"""Dashboard figures on a hand-computed fixture (every expected value worked out by hand)."""

from __future__ import annotations

import datetime as dt

import pytest

from himig.accounts.models import ApiKey
from himig.ops import kpis
from himig.ops.models import WorkerHeartbeat
from himig.ops.requeststats import RequestStatBuffer

from .conftest import at, event

NOW = at("2026-03-15 12:00")
JAN = kpis.DateRange(dt.date(2026, 1, 1), dt.date(2026, 1, 31))


@pytest.fixture
def january(user_factory, track_factory):
    a, b, c, d = (user_factory(f"{n}@example.com") for n in "abcd")
    g1 = user_factory(guest=True, date_joined=at("2026-01-10 08:00"))
    user_factory(guest=True, date_joined=at("2025-12-20 08:00"))  # outside the range

    event("sign_up", a, "2026-01-05 10:00")
    event("guest_claimed", a, "2026-01-05 10:01", tracks=1)
    event("play", a, "2026-01-12 09:00")  # a's day 7
    event("favorite", a, "2026-01-12 09:05", on=True)
    event("play", a, "2026-02-04 09:00")  # a's day 30 (after the range)

    event("sign_up", b, "2026-01-06 23:59")
    event("play", b, "2026-01-14 00:01")  # day 8: not day 7
    event("download", b, "2026-01-20 13:00", format="mp3")
    event("rate_limit_hit", b, "2026-01-20 13:01", scope="generate")

    event("sign_up", c, "2026-01-14 11:00")
    event("share", c, "2026-01-15 11:00", on=False)  # making a track private is not adoption
    event("sign_in", c, "2026-01-21 07:00")  # c's day 7
    event("rate_limit_hit", c, "2026-01-21 07:01", scope="write")

    event("music_generation_requested", g1, "2026-01-10 08:05", source="web")
    event("music_generation_requested", d, "2026-01-31 23:00", source="api")
    event("play", d, "2025-12-31 23:59")  # before the range
    ApiKey.objects.create(
        user=b, name="k", prefix="pfx1", key_hash="h" * 64, last_used_at=at("2026-01-20 13:00")
    )

    def track(user, created, status, gen_ms=None, wait_s=None):
        started = at(created) + dt.timedelta(seconds=wait_s) if wait_s is not None else None
        return track_factory(
            user, created_at=at(created), status=status, generation_ms=gen_ms, started_at=started
        )

    track(a, "2026-01-05 10:00", "ready", 1000, 2)
    track(a, "2026-01-05 10:05", "ready", 3000, 4)
    track(a, "2026-01-05 10:10", "failed", None, 1)
    track(a, "2026-01-05 10:15", "queued")
    track(d, "2026-01-31 23:00", "ready", 2000, 10)
    track(d, "2025-12-31 10:00", "ready", 9999, 60)  # outside the range

    stats = RequestStatBuffer(flush_interval_s=3600)
    day = at("2026-01-07 10:00")
    for ms in (5, 30, 700):
        stats.add("web", 200, ms, now=day)
    stats.add("web", 500, 40, now=day)
    stats.add("api", 201, 120, now=day)
    stats.add("api", 200, 260, now=at("2026-01-08 10:00"))
    stats.add("api", 200, 1, now=at("2026-02-08 10:00"))  # outside the range
    assert stats.flush() == 7

    WorkerHeartbeat.objects.create(
        worker_id="w-live", hostname="h", pid=1, last_seen=NOW - dt.timedelta(seconds=10)
    )
    WorkerHeartbeat.objects.create(
        worker_id="w-dead", hostname="h", pid=2, last_seen=NOW - dt.timedelta(hours=1)
    )
    return kpis.compute(JAN, now=NOW)


@pytest.mark.django_db
def test_active_users_per_day_week_and_month(january):
    d = january
    assert d.dau == {
        dt.date(2026, 1, 5): 1,
        dt.date(2026, 1, 6): 1,
        dt.date(2026, 1, 10): 1,
        dt.date(2026, 1, 12): 1,
        dt.date(2026, 1, 14): 2,
        dt.date(2026, 1, 15): 1,
        dt.date(2026, 1, 20): 1,
        dt.date(2026, 1, 21): 1,
        dt.date(2026, 1, 31): 1,
    }
    assert d.active_users == 5
    assert d.wau == 1  # only d in Jan 25–31
    assert d.mau == 5
    assert d.avg_dau == pytest.approx(10 / 31)
    assert d.stickiness == pytest.approx(10 / 31 / 5)


@pytest.mark.django_db
def test_registrations_and_conversion(january):
    assert january.registrations == {dt.date(2026, 1, 5): 1, dt.date(2026, 1, 6): 1, dt.date(2026, 1, 14): 1}
    assert january.registrations_total == 3
    assert (january.guests_created, january.guests_claimed) == (2, 1)
    assert january.conversion == 0.5


@pytest.mark.django_db
def test_generation_counts_success_and_percentiles(january):
    d = january
    assert d.generations == {dt.date(2026, 1, 5): 4, dt.date(2026, 1, 31): 1}
    assert (d.generations_total, d.generations_ready, d.generations_failed) == (5, 3, 1)
    assert d.success_rate == 0.75
    assert d.generations_per_active_user == 1.0
    assert (d.generation_p50_ms, d.generation_p95_ms) == (2000, 3000)
    assert (d.wait_p50_ms, d.wait_p95_ms) == (2000, 10000)


@pytest.mark.django_db
def test_request_error_rate_and_p95(january):
    web, api = january.surfaces["web"], january.surfaces["api"]
    assert (web.requests, web.errors, web.error_rate, web.p95_ms) == (4, 1, 0.25, 1000)
    assert web.mean_ms == pytest.approx((5 + 30 + 700 + 40) / 4)
    assert (api.requests, api.errors, api.p95_ms) == (2, 0, 500)
    assert january.requests_by_day["api"] == {dt.date(2026, 1, 7): 1, dt.date(2026, 1, 8): 1}
    assert january.errors_by_day["web"] == {dt.date(2026, 1, 7): 1}


@pytest.mark.django_db
def test_retention_cohorts(january):
    first, second = january.cohorts
    assert first.week_start == dt.date(2026, 1, 5)
    assert (first.size, first.d7_retained, first.d7_eligible, first.d30_retained, first.d30_eligible) == (
        2,
        1,
        2,
        1,
        2,
    )
    assert second.week_start == dt.date(2026, 1, 12)
    assert (second.size, second.d7_rate, second.d30_rate) == (1, 1.0, 0.0)


@pytest.mark.django_db
def test_cohort_members_whose_day_has_not_come_are_not_counted(user_factory):
    u = user_factory()
    event("sign_up", u, "2026-03-10 10:00")
    d = kpis.compute(kpis.DateRange(dt.date(2026, 3, 1), dt.date(2026, 3, 15)), now=NOW)
    (cohort,) = d.cohorts
    assert (cohort.size, cohort.d7_eligible, cohort.d30_eligible) == (1, 0, 0)
    assert cohort.d7_rate is None


@pytest.mark.django_db
def test_adoption_rate_limits_queue_and_workers(january):
    d = january
    assert d.adoption == {"favorite": 1, "download": 1, "share": 0, "api": 2}
    assert d.adoption_rates["api"] == 0.4
    assert d.rate_limit_hits == {dt.date(2026, 1, 20): 1, dt.date(2026, 1, 21): 1}
    assert d.rate_limit_by_scope == {"generate": 1, "write": 1}
    assert d.queue["queued"] == 1 and d.queue["running"] == 0
    assert [(w["worker_id"], w["alive"]) for w in d.workers] == [("w-live", True), ("w-dead", False)]
    assert d.workers_alive == 1


def test_parse_range_presets_and_explicit_dates():
    today = dt.date(2026, 3, 15)
    assert kpis.parse_range({"days": "7"}, today) == kpis.DateRange(dt.date(2026, 3, 9), today)
    assert kpis.parse_range({}, today) == kpis.DateRange(dt.date(2026, 2, 14), today)
    explicit = kpis.parse_range({"from": "2026-01-01", "to": "2026-01-31"}, today)
    assert explicit == JAN
    assert kpis.parse_range({"from": "2026-01-31", "to": "2026-01-01"}, today) == JAN
    assert kpis.parse_range({"from": "garbage"}, today) == kpis.DateRange(dt.date(2026, 2, 14), today)


def test_nearest_rank_percentiles():
    assert kpis.nearest_rank([], (0.5, 0.95)) == [None, None]
    assert kpis.nearest_rank([30, 10, 20], (0.5, 0.95)) == [20, 30]
    assert kpis.nearest_rank(list(range(100, 0, -1)), (0.5, 0.95, 1.0)) == [50, 95, 100]


@pytest.mark.django_db
def test_active_users_of_a_short_range_count_wau_and_mau_beyond_it(user_factory):
    u, v = user_factory(), user_factory()
    event("play", u, "2026-03-01 10:00")  # in the month, before the week and the range
    event("play", v, "2026-03-14 23:59")
    event("play", v, "2026-03-15 00:00")
    d = kpis.compute(kpis.DateRange(dt.date(2026, 3, 15), dt.date(2026, 3, 15)), now=NOW)
    assert d.dau == {dt.date(2026, 3, 15): 1}
    assert (d.active_users, d.wau, d.mau) == (1, 1, 2)
