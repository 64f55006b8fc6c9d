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

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["name", "created_at"], name="event_name_created"),
            models.Index(fields=["created_at"], name="event_created"),
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
