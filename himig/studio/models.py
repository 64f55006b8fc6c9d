"""Tracks: one generation request and everything it produced.

The Track row is the truth about a generation (status, progress, error, timings);
the task queue only carries the track id.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class Track(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tracks")
    title = models.CharField(max_length=120)

    # What was asked for ("auto" where the person let Himig choose).
    prompt = models.CharField(max_length=500)
    genre = models.CharField(max_length=20, default="auto")
    mood = models.CharField(max_length=20, default="auto")
    duration = models.PositiveSmallIntegerField()
    tempo_bpm = models.PositiveSmallIntegerField(null=True, blank=True)
    key = models.CharField(max_length=32, blank=True)
    instruments = models.JSONField(default=list, blank=True)
    seed = models.BigIntegerField()
    source = models.CharField(max_length=8, default="web")  # web | api
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children")

    # Where the generation stands.
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED, db_index=True)
    stage = models.CharField(max_length=16, default="queued")  # queued/composing/rendering/mastering/encoding/ready
    progress = models.FloatField(default=0.0)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    worker_id = models.CharField(max_length=120, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # The id of the queued task (django.tasks result id) so recovery can tell a lost job from a waiting one.
    task_id = models.CharField(max_length=64, blank=True)

    # What the engine made.
    engine_name = models.CharField(max_length=40, blank=True)
    engine_version = models.CharField(max_length=20, blank=True)
    metadata = models.JSONField(default=dict, blank=True)  # the engine's metadata JSON (brief, sections, timings)
    delivered = models.JSONField(default=dict, blank=True)  # tempo/key measured from the audio
    files = models.JSONField(default=dict, blank=True)  # format -> storage name
    generation_ms = models.PositiveIntegerField(null=True, blank=True)

    # The person's own use of it.
    is_favorite = models.BooleanField(default=False)
    is_public = models.BooleanField(default=False)
    share_slug = models.CharField(max_length=32, unique=True, null=True, blank=True)
    play_count = models.PositiveIntegerField(default=0)
    download_count = models.PositiveIntegerField(default=0)

    # Idempotent API requests: the same key from the same user returns this track.
    idempotency_key = models.CharField(max_length=200, null=True, blank=True)
    request_hash = models.CharField(max_length=64, blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="track_user_created"),
            models.Index(fields=["status", "created_at"], name="track_status_created"),
            models.Index(fields=["created_at"], name="track_created"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "idempotency_key"],
                condition=models.Q(idempotency_key__isnull=False),
                name="track_unique_idempotency_key",
            )
        ]

    def __str__(self) -> str:
        return self.title
