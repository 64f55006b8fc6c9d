"""The ops dashboard's figures, computed by the database.

Every figure comes from aggregate queries (GROUP BY day, COUNT DISTINCT, conditional
counts); the range's tracks are read once for their counts and duration percentiles,
and active users are one UNION ALL of short index range counts.
Days are UTC calendar days; a range is inclusive of both ends.

Definitions (docs/operations.md repeats them for operators):

* active user on a day: at least one analytics event by that user that day;
  DAU per day, WAU/MAU = distinct users active in the 7/30 days ending on ``to``.
* registrations: ``sign_up`` events.
* generations: Track rows created in the range; success rate = ready / (ready + failed).
* generation time: ``Track.generation_ms`` of ready tracks; queue wait:
  ``started_at - created_at`` of tracks that started.
* error rate: share of 5xx responses; p95 response time from the per-minute
  latency buckets of :class:`~himig.ops.models.RequestStat` (the bound of the bucket
  holding the 95th percentile).
* day-N retention of a weekly cohort (users whose first ``sign_up`` falls in that
  ISO week): share of the cohort active on exactly their sign-up day + N; users
  whose day N is still in the future are left out of the denominator.
* conversion: ``guest_claimed`` events / guests created in the range (claimed
  guests' rows are deleted on claim, so guests created = remaining guest rows
  created in the range + claims in the range).
* adoption: share of active users in the range who favorited, downloaded, shared,
  or used the API (an API-sourced generation or an API key used in the range).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import (
    BigIntegerField,
    Count,
    DateField,
    Exists,
    F,
    Func,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)
from django.utils import timezone

from himig.ops import events as ev
from himig.ops.models import BUCKET_FIELDS, LATENCY_BOUNDS_MS, Event, RequestStat, WorkerHeartbeat

PRESET_DAYS = (7, 30, 90)
MAX_RANGE_DAYS = 366


@dataclasses.dataclass(frozen=True)
class DateRange:
    start: dt.date
    end: dt.date  # inclusive

    @property
    def days(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=i) for i in range((self.end - self.start).days + 1)]

    @property
    def start_dt(self) -> dt.datetime:
        return _midnight(self.start)

    @property
    def end_dt(self) -> dt.datetime:
        """Exclusive: midnight after ``end``."""
        return _midnight(self.end + dt.timedelta(days=1))

    @property
    def preset(self) -> int | None:
        length = (self.end - self.start).days + 1
        return length if length in PRESET_DAYS and self.end == timezone.now().date() else None


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


def parse_range(params: Mapping[str, str], today: dt.date | None = None) -> DateRange:
    """``?from=YYYY-MM-DD&to=YYYY-MM-DD`` or ``?days=7|30|90``; default the last 30 days."""
    today = today or timezone.now().date()
    try:
        end = dt.date.fromisoformat(params["to"]) if params.get("to") else today
        if params.get("from"):
            start = dt.date.fromisoformat(params["from"])
        else:
            days = int(params.get("days") or 30)
            start = end - dt.timedelta(days=max(1, min(days, MAX_RANGE_DAYS)) - 1)
    except ValueError:
        end, start = today, today - dt.timedelta(days=29)
    if start > end:
        start, end = end, start
    if (end - start).days >= MAX_RANGE_DAYS:
        start = end - dt.timedelta(days=MAX_RANGE_DAYS - 1)
    return DateRange(start, end)


# --- SQL helpers ----------------------------------------------------------------


class UTCDate(Func):
    """The UTC calendar day of a timestamp, computed natively by the database.

    Django's TruncDate calls a Python function per row on SQLite, which costs seconds
    over a million events; SQLite keeps aware datetimes as UTC text
    ('YYYY-MM-DD HH:MM:SS…'), so the day is simply its first ten characters.
    """

    output_field = DateField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="SUBSTR(%(expressions)s, 1, 10)", **extra)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler, connection, template="((%(expressions)s) AT TIME ZONE 'UTC')::date", **extra
        )

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:  # type: ignore[override]
        extra.setdefault("template", "DATE(%(expressions)s)")
        return super().as_sql(compiler, connection, **extra)


class MillisBetween(Func):
    """Whole milliseconds from the second timestamp to the first, in native SQL."""

    output_field = BigIntegerField()
    arity = 2

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        template = "CAST(ROUND((JULIANDAY(%(expressions)s)) * 86400000) AS INTEGER)"
        return self.as_sql(compiler, connection, template=template, arg_joiner=") - JULIANDAY(", **extra)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        template = "ROUND(EXTRACT(EPOCH FROM (%(expressions)s)) * 1000)::bigint"
        return self.as_sql(compiler, connection, template=template, arg_joiner=" - ", **extra)


# --- helpers --------------------------------------------------------------------


def percentiles(qs: QuerySet[Any], field: str, ps: tuple[float, ...]) -> list[Any]:
    """Nearest-rank percentiles of ``field`` over ``qs``: one ORDER BY query, indexed in Python.

    One sorted read costs the same as a single ``ORDER BY … OFFSET`` (the database sorts
    either way), so reading the column once beats a COUNT plus one sort per percentile.
    """
    values = list(qs.order_by(field).values_list(field, flat=True))
    n = len(values)
    if n == 0:
        return [None for _ in ps]
    return [values[max(0, math.ceil(p * n) - 1)] for p in ps]


def nearest_rank(values: list[Any], ps: tuple[float, ...]) -> list[Any]:
    """Nearest-rank percentiles of ``values`` (sorted here), as :func:`percentiles` computes them."""
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return [None for _ in ps]
    return [ordered[max(0, math.ceil(p * n) - 1)] for p in ps]


def per_day(qs: QuerySet[Any], field: str = "created_at") -> dict[dt.date, int]:
    rows = qs.annotate(day=UTCDate(field)).values("day").annotate(n=Count("pk")).order_by()
    return {row["day"]: row["n"] for row in rows}


def _ms(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, dt.timedelta):
        return round(value.total_seconds() * 1000)
    return int(value)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def bucket_percentile(buckets: list[int], p: float) -> int | None:
    """Upper bound (ms) of the latency bucket holding the p-th request; None if open-ended top."""
    total = sum(buckets)
    if total == 0:
        return None
    rank = math.ceil(p * total)
    seen = 0
    for bound, n in zip((*LATENCY_BOUNDS_MS, None), buckets, strict=True):
        seen += n
        if seen >= rank:
            return bound if bound is not None else -1
    return -1


# --- the figures ----------------------------------------------------------------


@dataclasses.dataclass
class Cohort:
    week_start: dt.date
    size: int
    d7_eligible: int
    d7_retained: int
    d30_eligible: int
    d30_retained: int

    @property
    def d7_rate(self) -> float | None:
        return _share(self.d7_retained, self.d7_eligible)

    @property
    def d30_rate(self) -> float | None:
        return _share(self.d30_retained, self.d30_eligible)


@dataclasses.dataclass
class SurfaceStats:
    requests: int
    errors: int
    p95_ms: int | None  # -1: above the largest bucket
    mean_ms: float | None

    @property
    def error_rate(self) -> float | None:
        return _share(self.errors, self.requests)


@dataclasses.dataclass
class Dashboard:
    range: DateRange
    registrations: dict[dt.date, int]
    dau: dict[dt.date, int]
    wau: int
    mau: int
    active_users: int
    generations: dict[dt.date, int]
    generations_ready: int
    generations_failed: int
    generations_total: int
    generation_p50_ms: int | None
    generation_p95_ms: int | None
    wait_p50_ms: int | None
    wait_p95_ms: int | None
    surfaces: dict[str, SurfaceStats]
    requests_by_day: dict[str, dict[dt.date, int]]
    errors_by_day: dict[str, dict[dt.date, int]]
    queue: dict[str, int]
    workers: list[dict[str, Any]]
    rate_limit_hits: dict[dt.date, int]
    rate_limit_by_scope: dict[str, int]
    cohorts: list[Cohort]
    guests_created: int
    guests_claimed: int
    adoption: dict[str, int]

    @property
    def registrations_total(self) -> int:
        return sum(self.registrations.values())

    @property
    def success_rate(self) -> float | None:
        return _share(self.generations_ready, self.generations_ready + self.generations_failed)

    @property
    def generations_per_active_user(self) -> float | None:
        return _share(self.generations_total, self.active_users)

    @property
    def avg_dau(self) -> float | None:
        return _share(sum(self.dau.values()), len(self.range.days))

    @property
    def stickiness(self) -> float | None:
        """DAU/MAU: average DAU over the range divided by MAU at its end."""
        avg = self.avg_dau
        return avg / self.mau if avg is not None and self.mau else None

    @property
    def conversion(self) -> float | None:
        return _share(self.guests_claimed, self.guests_created)

    @property
    def adoption_rates(self) -> dict[str, float | None]:
        return {k: _share(v, self.active_users) for k, v in self.adoption.items()}

    @property
    def workers_alive(self) -> int:
        return sum(1 for w in self.workers if w["alive"])

    @property
    def rate_limit_total(self) -> int:
        return sum(self.rate_limit_hits.values())


def compute(rng: DateRange, *, now: dt.datetime | None = None) -> Dashboard:
    now = now or timezone.now()
    today = now.date()
    events = Event.objects.filter(created_at__gte=rng.start_dt, created_at__lt=rng.end_dt)

    dau, wau, mau, active_users = _active_users(rng)

    tracks = _tracks().filter(created_at__gte=rng.start_dt, created_at__lt=rng.end_dt)
    # One read of the range's tracks gives the counts per day and outcome and both
    # duration distributions (nearest-rank percentiles of the sorted values).
    generations: dict[dt.date, int] = defaultdict(int)
    outcome = {"total": 0, "ready": 0, "failed": 0}
    gen_ms: list[int] = []
    wait_ms: list[int] = []
    for day, status, generation_ms, wait in (
        tracks.annotate(day=UTCDate("created_at"), wait=MillisBetween(F("started_at"), F("created_at")))
        .values_list("day", "status", "generation_ms", "wait")
        .order_by()
    ):
        generations[day] += 1
        outcome["total"] += 1
        if status in ("ready", "failed"):
            outcome[status] += 1
        if status == "ready" and generation_ms is not None:
            gen_ms.append(generation_ms)
        if wait is not None:
            wait_ms.append(wait)
    gen_p50, gen_p95 = nearest_rank(gen_ms, (0.50, 0.95))
    wait_p50, wait_p95 = nearest_rank(wait_ms, (0.50, 0.95))
    surfaces, requests_by_day, errors_by_day = _request_figures(rng)
    guests_claimed = events.filter(name=ev.GUEST_CLAIMED).count()

    return Dashboard(
        range=rng,
        registrations=per_day(events.filter(name=ev.SIGN_UP)),
        dau=dau,
        wau=wau,
        mau=mau,
        active_users=active_users,
        generations=dict(generations),
        generations_ready=outcome["ready"],
        generations_failed=outcome["failed"],
        generations_total=outcome["total"],
        generation_p50_ms=_ms(gen_p50),
        generation_p95_ms=_ms(gen_p95),
        wait_p50_ms=_ms(wait_p50),
        wait_p95_ms=_ms(wait_p95),
        surfaces=surfaces,
        requests_by_day=requests_by_day,
        errors_by_day=errors_by_day,
        queue=queue_depth(),
        workers=workers(now),
        rate_limit_hits=per_day(events.filter(name=ev.RATE_LIMIT_HIT)),
        rate_limit_by_scope={
            str(scope or "unknown"): n
            for scope, n in events.filter(name=ev.RATE_LIMIT_HIT)
            .values_list("properties__scope")
            .annotate(n=Count("pk"))
            .order_by()
        },
        cohorts=_cohorts(rng, today),
        guests_created=_guests_created(rng, guests_claimed),
        guests_claimed=guests_claimed,
        adoption=_adoption(rng, events),
    )


def _tracks() -> QuerySet[Any]:
    from himig.studio.models import Track

    return Track.objects.all()


def _active_users(rng: DateRange) -> tuple[dict[dt.date, int], int, int, int]:
    """DAU per day, WAU, MAU (windows ending on ``rng.end``) and active users in ``rng``.

    One statement of ``UNION ALL``-ed range counts, one per day and window: each is a
    short scan of the (created_at, user) index, where a single ``GROUP BY day`` has to
    sort every event in the range first (about twice as slow on a million events).
    """
    table = connection.ops.quote_name(Event._meta.db_table)
    created = connection.ops.quote_name(Event._meta.get_field("created_at").column)
    user = connection.ops.quote_name(Event._meta.get_field("user").column)
    one_day = dt.timedelta(days=1)
    windows = [(rng.start_dt, rng.end_dt)]  # 0: active users
    windows.append((_midnight(rng.end - dt.timedelta(days=6)), rng.end_dt))  # 1: WAU
    windows.append((_midnight(rng.end - dt.timedelta(days=29)), rng.end_dt))  # 2: MAU
    windows += [(_midnight(day), _midnight(day + one_day)) for day in rng.days]
    arms, params = [], []
    for i, (lo, hi) in enumerate(windows):
        arms.append(
            f"SELECT {i} AS i, COUNT(DISTINCT {user}) AS n FROM {table} "
            f"WHERE {user} IS NOT NULL AND {created} >= %s AND {created} < %s"
        )
        params += [connection.ops.adapt_datetimefield_value(v) for v in (lo, hi)]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(arms), params)
        counts = dict(cursor.fetchall())
    days = rng.days
    dau = {day: counts[i + 3] for i, day in enumerate(days) if counts.get(i + 3)}
    return dau, counts[1], counts[2], counts[0]


def _active_days(start: dt.date, end: dt.date, users: QuerySet[Any]) -> set[tuple[int, dt.date]]:
    """Distinct (user, day) pairs with an event, for a bounded set of users, grouped by the database."""
    qs = Event.objects.filter(
        user_id__in=users,
        created_at__gte=_midnight(start),
        created_at__lt=_midnight(end + dt.timedelta(days=1)),
    )
    rows = qs.annotate(day=UTCDate("created_at")).values_list("user_id", "day").distinct().order_by()
    return set(rows)


def _request_figures(
    rng: DateRange,
) -> tuple[dict[str, SurfaceStats], dict[str, dict[dt.date, int]], dict[str, dict[dt.date, int]]]:
    stats = RequestStat.objects.filter(minute__gte=rng.start_dt, minute__lt=rng.end_dt)
    sums = {name: Sum(name) for name in BUCKET_FIELDS}
    # One GROUP BY (surface, day); the per-surface totals are sums of its rows.
    by_day: dict[str, dict[dt.date, int]] = defaultdict(dict)
    errors: dict[str, dict[dt.date, int]] = defaultdict(dict)
    totals: dict[str, dict[str, int]] = {}
    for row in (
        stats.annotate(day=UTCDate("minute"))
        .values("surface", "day")
        .annotate(
            n=Sum("count"),
            e=Sum("count", filter=Q(status_class="5xx")),
            total_ms=Sum("total_ms"),
            **sums,
        )
        .order_by()
    ):
        by_day[row["surface"]][row["day"]] = row["n"] or 0
        errors[row["surface"]][row["day"]] = row["e"] or 0
        acc = totals.setdefault(row["surface"], dict.fromkeys(("n", "e", "total_ms", *BUCKET_FIELDS), 0))
        for key in acc:
            acc[key] += row[key] or 0
    surfaces: dict[str, SurfaceStats] = {}
    for surface, acc in totals.items():
        n = acc["n"]
        surfaces[surface] = SurfaceStats(
            requests=n,
            errors=acc["e"],
            p95_ms=bucket_percentile([acc[name] for name in BUCKET_FIELDS], 0.95),
            mean_ms=acc["total_ms"] / n if n else None,
        )
    return surfaces, dict(by_day), dict(errors)


def queue_depth() -> dict[str, int]:
    counts = dict(
        _tracks()
        .filter(status__in=["queued", "running"])
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    out = {"queued": counts.get("queued", 0), "running": counts.get("running", 0)}
    if getattr(settings, "HIMIG_TASKS_BACKEND", "db") == "db":
        from django_tasks_db.models import DBTaskResult

        out["task_rows_ready"] = DBTaskResult.objects.filter(status="READY").count()
    return out


def workers(now: dt.datetime | None = None) -> list[dict[str, Any]]:
    now = now or timezone.now()
    stale = dt.timedelta(seconds=settings.HIMIG_STALE_AFTER_S)
    return [
        {
            "worker_id": beat.worker_id,
            "hostname": beat.hostname,
            "queue": beat.queue,
            "backend": beat.backend,
            "age_s": (now - beat.last_seen).total_seconds(),
            "alive": now - beat.last_seen <= stale,
            "tasks_done": beat.tasks_done,
            "current_track": beat.current_track,
        }
        for beat in WorkerHeartbeat.objects.order_by("-last_seen")
    ]


def _cohorts(rng: DateRange, today: dt.date) -> list[Cohort]:
    signups = (
        Event.objects.filter(
            name=ev.SIGN_UP, user__isnull=False, created_at__gte=rng.start_dt, created_at__lt=rng.end_dt
        )
        .values("user_id")
        .annotate(first=Min("created_at"))
        .order_by()
    )
    joined = {row["user_id"]: row["first"].astimezone(dt.UTC).date() for row in signups}
    if not joined:
        return []
    active = _active_days(
        rng.start + dt.timedelta(days=7),
        min(rng.end + dt.timedelta(days=30), today),
        users=signups.values("user_id"),
    )
    by_week: dict[dt.date, list[int]] = defaultdict(list)
    for user, day in joined.items():
        by_week[day - dt.timedelta(days=day.weekday())].append(user)
    cohorts = []
    for week, members in sorted(by_week.items()):
        row = {"size": len(members)}
        for n in (7, 30):
            eligible = [u for u in members if joined[u] + dt.timedelta(days=n) <= today]
            row[f"d{n}_eligible"] = len(eligible)
            row[f"d{n}_retained"] = sum(
                1 for u in eligible if (u, joined[u] + dt.timedelta(days=n)) in active
            )
        cohorts.append(Cohort(week_start=week, **row))
    return cohorts


def _guests_created(rng: DateRange, claimed: int) -> int:
    from django.contrib.auth import get_user_model

    remaining = (
        get_user_model()
        .objects.filter(is_guest=True, date_joined__gte=rng.start_dt, date_joined__lt=rng.end_dt)
        .count()
    )
    return remaining + claimed


def _adoption(rng: DateRange, events: QuerySet[Any]) -> dict[str, int]:
    """Users who did each thing in the range; doing it makes them active users, so no join is needed."""
    from himig.accounts.models import ApiKey

    # One grouped pass for the event-based kinds. Favorite and share events carry
    # on=false when undone; those are not adoption.
    by_name = dict(
        events.filter(name__in=[ev.FAVORITE, ev.DOWNLOAD, ev.SHARE], user__isnull=False)
        .filter(Q(properties__on=True) | Q(properties__on__isnull=True))
        .values_list("name")
        .annotate(n=Count("user_id", distinct=True))
        .order_by()
    )

    api_generations = set(
        events.filter(name=ev.GENERATION_REQUESTED, properties__source="api", user__isnull=False)
        .values_list("user_id", flat=True)
        .distinct()
        .order_by()
    )
    # A key used in the range counts when its owner was also active (had an event) then.
    keys_used = set(
        ApiKey.objects.filter(last_used_at__gte=rng.start_dt, last_used_at__lt=rng.end_dt)
        .filter(Exists(events.filter(user_id=OuterRef("user_id"))))
        .values_list("user_id", flat=True)
        .distinct()
    )
    return {
        "favorite": by_name.get(ev.FAVORITE, 0),
        "download": by_name.get(ev.DOWNLOAD, 0),
        "share": by_name.get(ev.SHARE, 0),
        "api": len(api_generations | keys_used),
    }
