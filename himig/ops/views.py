"""Operator pages: the KPI dashboard, the dependency status, and the Prometheus endpoint."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from himig.ops import health, kpis, metrics, svg

View = Callable[..., HttpResponse]
DASHBOARD_CACHE_SECONDS = 300


def staff_only(view: View) -> View:
    """Anonymous visitors go to sign in; signed-in non-staff get 403 (not a login loop)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (user.is_active and user.is_staff):
            raise PermissionDenied("Staff only.")
        return view(request, *args, **kwargs)

    return wrapped


def _fmt_ms(ms: int | None) -> str:
    if ms is None:
        return "—"
    if ms == -1:
        return f"> {kpis.LATENCY_BOUNDS_MS[-1] / 1000:g} s"
    return f"{ms / 1000:.2f} s" if ms >= 1000 else f"{ms} ms"


def _fmt_rate(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _charts(d: kpis.Dashboard) -> dict[str, Any]:
    days = d.range.days
    span = f"{d.range.start:%b %-d} – {d.range.end:%b %-d, %Y}"
    charts: dict[str, Any] = {}
    reg = [d.registrations.get(day, 0) for day in days]
    charts["registrations"] = svg.bar_chart(
        days,
        reg,
        title="Registrations per day",
        desc=f"Sign-ups per day, {span}: {sum(reg)} in all.",
        chart_id="reg",
    )
    dau = [d.dau.get(day, 0) for day in days]
    charts["dau"] = svg.line_chart(
        days,
        [("DAU", dau)],
        title="Daily active users",
        desc=f"Distinct users with any activity each day, {span}; peak {max(dau, default=0)}.",
        chart_id="dau",
    )
    gens = [d.generations.get(day, 0) for day in days]
    charts["generations"] = svg.bar_chart(
        days,
        gens,
        title="Generations per day",
        desc=f"Tracks requested per day, {span}: {sum(gens)} in all.",
        chart_id="gen",
    )
    web = d.requests_by_day.get("web", {})
    api = d.requests_by_day.get("api", {})
    charts["requests"] = svg.line_chart(
        days,
        [("web", [web.get(day, 0) for day in days]), ("API", [api.get(day, 0) for day in days])],
        title="Requests per day",
        desc=f"Web and API requests per day, {span}.",
        chart_id="req",
    )
    err_series = []
    for surface, label in (("web", "web"), ("api", "API")):
        counts = d.requests_by_day.get(surface, {})
        errors = d.errors_by_day.get(surface, {})
        err_series.append(
            (label, [errors.get(day, 0) / counts[day] if counts.get(day) else None for day in days])
        )
    charts["errors"] = svg.line_chart(
        days,
        err_series,
        title="Error rate per day",
        desc=f"Share of 5xx responses per day, {span}.",
        chart_id="err",
        fmt=svg.percent,
        top=svg.nice_max(max((v for _, s in err_series for v in s if v is not None), default=0.01)),
    )
    hits = [d.rate_limit_hits.get(day, 0) for day in days]
    charts["rate_limits"] = svg.bar_chart(
        days,
        hits,
        title="Rate-limit hits per day",
        desc=f"Requests refused by a rate limit, {span}: {sum(hits)}.",
        chart_id="rl",
        highlight=[h > 0 for h in hits],
    )
    return charts


@never_cache
@staff_only
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    rng = kpis.parse_range(request.GET)
    # The range figures take seconds on millions of events, so they are kept for a
    # few minutes (?fresh=1 recomputes); queue and workers are always read live.
    key = f"himig:ops:dashboard:{rng.start}:{rng.end}"
    cached = None if request.GET.get("fresh") else cache.get(key)
    if cached is None:
        cached = (timezone.now(), kpis.compute(rng))
        cache.set(key, cached, DASHBOARD_CACHE_SECONDS)
    computed_at, d = cached
    d.queue, d.workers = kpis.queue_depth(), kpis.workers()
    surfaces = [
        {
            "name": label,
            "requests": stats.requests if stats else 0,
            "error_rate": _fmt_rate(stats.error_rate if stats else None),
            "p95": _fmt_ms(stats.p95_ms if stats else None),
            "errors": stats.errors if stats else 0,
        }
        for key, label in (("web", "Web"), ("api", "API"))
        for stats in [d.surfaces.get(key)]
    ]
    adoption = [
        {"name": label, "users": d.adoption[key], "rate": _fmt_rate(d.adoption_rates[key])}
        for key, label in (
            ("favorite", "Favorite"),
            ("download", "Download"),
            ("share", "Share"),
            ("api", "API"),
        )
    ]
    context = {
        "d": d,
        "charts": _charts(d),
        "surfaces": surfaces,
        "adoption": adoption,
        "presets": kpis.PRESET_DAYS,
        "success_rate": _fmt_rate(d.success_rate),
        "success_ok": d.success_rate is None or d.success_rate >= 0.95,
        "gen_p50": _fmt_ms(d.generation_p50_ms),
        "gen_p95": _fmt_ms(d.generation_p95_ms),
        "wait_p50": _fmt_ms(d.wait_p50_ms),
        "wait_p95": _fmt_ms(d.wait_p95_ms),
        "per_user": "—" if d.generations_per_active_user is None else f"{d.generations_per_active_user:.2f}",
        "stickiness": _fmt_rate(d.stickiness),
        "avg_dau": "—" if d.avg_dau is None else f"{d.avg_dau:.1f}",
        "conversion": _fmt_rate(d.conversion),
        "cohorts": [{"c": c, "d7": _fmt_rate(c.d7_rate), "d30": _fmt_rate(c.d30_rate)} for c in d.cohorts],
        "generated_at": computed_at,
    }
    return render(request, "ops/dashboard.html", context)


@never_cache
@staff_only
@require_GET
def status(request: HttpRequest) -> HttpResponse:
    checks = health.run_checks()
    ok = all(c.ok for c in checks)
    if request.GET.get("format") == "json" or "application/json" in request.headers.get("Accept", ""):
        return status_json_response(checks)
    return render(
        request,
        "ops/status.html",
        {"checks": checks, "ok": ok, "checked_at": timezone.now()},
        status=200 if ok else 503,
    )


@never_cache
@staff_only
@require_GET
def status_json(request: HttpRequest) -> HttpResponse:
    return status_json_response(health.run_checks())


def status_json_response(checks: list[health.Check]) -> JsonResponse:
    ok = all(c.ok for c in checks)
    return JsonResponse(
        {
            "status": "ok" if ok else "fail",
            "checked_at": dt.datetime.now(dt.UTC).isoformat(),
            "checks": [c.as_dict() for c in checks],
        },
        status=200 if ok else 503,
    )


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not metrics.client_allowed(
        request.META.get("REMOTE_ADDR", ""), request.headers.get("Authorization", "")
    ):
        from django.conf import settings

        if settings.HIMIG_METRICS_TOKEN:
            response = HttpResponse(
                "A valid bearer token is required.\n", status=401, content_type="text/plain"
            )
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
            return response
        return HttpResponse("Not allowed from this address.\n", status=403, content_type="text/plain")
    return HttpResponse(metrics.render_metrics(), content_type=CONTENT_TYPE_LATEST)
