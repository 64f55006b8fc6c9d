"""Prometheus metrics for ``/metrics``.

Two kinds of figures:

* Request counts and latencies are observed in the web process that served each
  request (``observe_request``). With several worker processes, set
  ``PROMETHEUS_MULTIPROC_DIR`` to an empty directory shared by them and the scrape
  merges every process's figures (prometheus_client's multiprocess mode).
* Everything that already lives in the database — queue depth, worker heartbeats,
  generation outcomes and durations by genre, rate-limit hits, analytics events —
  is read at scrape time by :class:`DatabaseCollector`, so every process answers
  with the same, complete numbers and the generation worker needs no exporter.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import os
import time
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.utils import timezone
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

logger = logging.getLogger(__name__)

REQUEST_REGISTRY = CollectorRegistry(auto_describe=True)

REQUESTS = Counter(
    "himig_http_requests",
    "HTTP requests served, by route name, method and status code.",
    ["route", "method", "status"],
    registry=REQUEST_REGISTRY,
)
REQUEST_LATENCY = Histogram(
    "himig_http_request_duration_seconds",
    "Time from the request reaching Django to the response leaving it, by route name and status.",
    ["route", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REQUEST_REGISTRY,
)

# Generation takes about a second for 30 s of music; minutes mean trouble.
GENERATION_BUCKETS_S: tuple[float, ...] = (0.5, 1, 2, 3, 5, 10, 20, 30, 60, 120, 300)


def observe_request(route: str, method: str, status: int, seconds: float) -> None:
    labels = (route, method, str(status))
    REQUESTS.labels(*labels).inc()
    REQUEST_LATENCY.labels(*labels).observe(seconds)


class DatabaseCollector(Collector):
    """Figures read from the database at scrape time (identical from every process)."""

    def collect(self) -> Iterator[Metric]:
        started = time.perf_counter()
        up = GaugeMetricFamily("himig_metrics_database_up", "1 when the database answered this scrape.")
        try:
            families = list(self._families())
        except Exception:  # noqa: BLE001 - a scrape must answer even when the database does not
            logger.exception("metrics: database figures unavailable")
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families
        took = GaugeMetricFamily("himig_metrics_database_seconds", "Time spent reading database figures.")
        took.add_metric([], time.perf_counter() - started)
        yield took

    def _families(self) -> Iterable[Metric]:
        from himig.ops.models import Event, WorkerHeartbeat
        from himig.studio.models import Track

        # Queue depth: our Track rows are the truth on every task backend.
        depth = GaugeMetricFamily(
            "himig_generation_queue_depth", "Generations not finished yet, by status.", labels=["status"]
        )
        counts = dict(
            Track.objects.filter(status__in=["queued", "running"])
            .values_list("status")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for status in ("queued", "running"):
            depth.add_metric([status], counts.get(status, 0))
        yield depth

        if getattr(settings, "HIMIG_TASKS_BACKEND", "db") == "db":
            from django_tasks_db.models import DBTaskResult

            ready = GaugeMetricFamily(
                "himig_task_queue_ready",
                "Task rows waiting for a worker (database backend), by queue.",
                labels=["queue"],
            )
            for queue, n in (
                DBTaskResult.objects.filter(status="READY")
                .values_list("queue_name")
                .annotate(n=Count("pk"))
                .order_by()
            ):
                ready.add_metric([queue], n)
            yield ready

        # Workers: one sample per heartbeat row, plus how many are alive.
        now = timezone.now()
        stale = dt.timedelta(seconds=settings.HIMIG_STALE_AFTER_S)
        age = GaugeMetricFamily(
            "himig_worker_last_seen_seconds",
            "Seconds since each worker's last heartbeat.",
            labels=["worker_id", "hostname", "queue"],
        )
        done = CounterMetricFamily(
            "himig_worker_tasks",
            "Tasks finished by each worker since it started.",
            labels=["worker_id", "queue"],
        )
        alive = 0
        for beat in WorkerHeartbeat.objects.all():
            age.add_metric(
                [beat.worker_id, beat.hostname, beat.queue], (now - beat.last_seen).total_seconds()
            )
            done.add_metric([beat.worker_id, beat.queue], beat.tasks_done)
            alive += now - beat.last_seen <= stale
        live = GaugeMetricFamily(
            "himig_workers_alive", "Workers whose heartbeat is fresher than HIMIG_STALE_AFTER_S."
        )
        live.add_metric([], alive)
        yield live
        yield age
        yield done

        # Generations: outcomes and durations by genre, from the Track rows, in one pass.
        bucket_aggs = {
            f"b{i}": Count("pk", filter=Q(generation_ms__lte=int(bound * 1000)))
            for i, bound in enumerate(GENERATION_BUCKETS_S)
        }
        rows = list(
            Track.objects.filter(status__in=["ready", "failed"])
            .values("genre", "status")
            .annotate(n=Count("pk"), timed=Count("generation_ms"), total=Sum("generation_ms"), **bucket_aggs)
            .order_by("genre", "status")
        )
        outcomes = CounterMetricFamily(
            "himig_generations", "Finished generations by genre and outcome.", labels=["genre", "outcome"]
        )
        for row in rows:
            outcomes.add_metric([row["genre"], row["status"]], row["n"])
        yield outcomes

        duration = HistogramMetricFamily(
            "himig_generation_duration_seconds",
            "Engine time of successful generations, by genre.",
            labels=["genre"],
        )
        for row in rows:
            if row["status"] != "ready" or not row["timed"]:
                continue
            buckets = [(_fmt(bound), row[f"b{i}"]) for i, bound in enumerate(GENERATION_BUCKETS_S)]
            buckets.append(("+Inf", row["timed"]))
            duration.add_metric([row["genre"]], buckets, (row["total"] or 0) / 1000)
        yield duration

        hits = CounterMetricFamily(
            "himig_rate_limit_hits", "Requests refused by a rate limit, by scope.", labels=["scope"]
        )
        for scope, n in (
            Event.objects.filter(name="rate_limit_hit")
            .values_list("properties__scope")
            .annotate(n=Count("pk"))
            .order_by()
        ):
            hits.add_metric([str(scope or "unknown")], n)
        yield hits

        events = CounterMetricFamily("himig_events", "Analytics events recorded, by name.", labels=["name"])
        for name, n in Event.objects.values_list("name").annotate(n=Count("pk")).order_by():
            events.add_metric([name], n)
        yield events


def _fmt(bound: float) -> str:
    return floatToGoString(bound)


class _RequestFigures(Collector):
    """This process's request metrics, or every process's in multiprocess mode."""

    def collect(self) -> Iterator[Metric]:
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            MultiProcessCollector(registry)
            yield from registry.collect()
        else:
            yield from REQUEST_REGISTRY.collect()


def render_metrics() -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_RequestFigures())
    registry.register(DatabaseCollector())
    return generate_latest(registry)


def client_allowed(remote_addr: str, authorization: str) -> bool:
    """The ``/metrics`` guard: a matching bearer token, or an address in an allowed network.

    Only ``REMOTE_ADDR`` is trusted (never ``X-Forwarded-For``); behind a proxy, list
    the proxy's address or use the token.
    """
    import hmac

    token = settings.HIMIG_METRICS_TOKEN
    if token and authorization.startswith("Bearer "):
        if hmac.compare_digest(authorization[7:].strip().encode(), token.encode()):
            return True
    try:
        address = ipaddress.ip_address(remote_addr)
    except ValueError:
        return False
    return any(address in network for network in metrics_networks())


def metrics_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(cidr, strict=False) for cidr in settings.HIMIG_METRICS_ALLOWED_NETWORKS]
