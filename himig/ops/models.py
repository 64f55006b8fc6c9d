"""Operator-side records: analytics events and worker heartbeats."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Event(models.Model):
    """One server-side analytics event (``music_generation_completed``, ``sign_up`` …)."""

    name = models.CharField(max_length=64)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE)
    properties = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # The X-Request-ID of the request that caused the event ("" outside a request),
    # so an event, the access log and the worker's log lines can be joined.
    request_id = models.CharField(max_length=128, blank=True, default="")

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["name", "created_at"], name="event_name_created"),
            # created_at first with user_id beside it: counting distinct active users
            # over a date range reads only this index, never the table.
            models.Index(fields=["created_at", "user"], name="event_created_user"),
            models.Index(fields=["user", "created_at"], name="event_user_created"),
        ]

    def __str__(self) -> str:
        return f"{self.name} at {self.created_at:%Y-%m-%d %H:%M}"


class WorkerHeartbeat(models.Model):
    """Each generation worker process beats here; a silent one is presumed dead."""

    worker_id = models.CharField(max_length=120, unique=True)
    hostname = models.CharField(max_length=120)
    pid = models.PositiveIntegerField()
    backend = models.CharField(max_length=8, default="db")
    queue = models.CharField(max_length=32, default="cpu")
    started_at = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now, db_index=True)
    current_track = models.UUIDField(null=True, blank=True)
    tasks_done = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return self.worker_id


# Upper bounds (ms) of the latency buckets kept per RequestStat row. The last
# bucket is open-ended; a percentile is reported as the bound of its bucket.
LATENCY_BOUNDS_MS: tuple[int, ...] = (10, 25, 50, 100, 250, 500, 1000, 2500, 5000)


class RequestStat(models.Model):
    """Requests served in one minute, for one surface and status class.

    Written by :class:`himig.ops.middleware.RequestObservabilityMiddleware` from an
    in-process buffer (a few upserts per process per flush, not one write per
    request), read by the ops dashboard for error rate and p95 response time.
    """

    minute = models.DateTimeField()
    surface = models.CharField(max_length=8)  # web | api | ops | static | admin
    status_class = models.CharField(max_length=3)  # 2xx 3xx 4xx 5xx
    count = models.PositiveIntegerField(default=0)
    total_ms = models.BigIntegerField(default=0)
    # Non-cumulative counts per latency bucket: le_10 counts requests ≤ 10 ms,
    # le_25 those in (10, 25] ms, …, le_inf those above 5 s.
    le_10 = models.PositiveIntegerField(default=0)
    le_25 = models.PositiveIntegerField(default=0)
    le_50 = models.PositiveIntegerField(default=0)
    le_100 = models.PositiveIntegerField(default=0)
    le_250 = models.PositiveIntegerField(default=0)
    le_500 = models.PositiveIntegerField(default=0)
    le_1000 = models.PositiveIntegerField(default=0)
    le_2500 = models.PositiveIntegerField(default=0)
    le_5000 = models.PositiveIntegerField(default=0)
    le_inf = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["minute", "surface", "status_class"], name="requeststat_unique_bucket"
            )
        ]
        indexes = [models.Index(fields=["minute"], name="requeststat_minute")]

    def __str__(self) -> str:
        return f"{self.surface} {self.status_class} ×{self.count} at {self.minute:%Y-%m-%d %H:%M}"


BUCKET_FIELDS: tuple[str, ...] = tuple(f"le_{b}" for b in LATENCY_BOUNDS_MS) + ("le_inf",)
