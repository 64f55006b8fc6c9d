"""Admin for tracks: find them, retry failed ones, and delete them with their files."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from himig.ops.maintenance import delete_tracks
from himig.studio.models import Track


@admin.register(Track)
class TrackAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "user",
        "status",
        "genre",
        "mood",
        "duration",
        "generation_ms",
        "source",
        "created_at",
    )
    list_filter = ("status", "genre", "mood", "is_public", "is_favorite", "source")
    search_fields = ("prompt", "title", "user__email", "=id")
    list_select_related = ("user",)
    date_hierarchy = "created_at"
    show_full_result_count = False
    raw_id_fields = ("user", "parent")
    actions = ("retry_failed",)
    # What the engine and the worker wrote is a record, not something to edit by hand.
    readonly_fields = (
        "id",
        "status",
        "stage",
        "progress",
        "error",
        "attempts",
        "worker_id",
        "heartbeat_at",
        "engine_name",
        "engine_version",
        "metadata",
        "delivered",
        "files",
        "generation_ms",
        "seed",
        "created_at",
        "started_at",
        "finished_at",
        "idempotency_key",
        "request_hash",
        "play_count",
        "download_count",
    )
    fieldsets = (
        (None, {"fields": ("id", "user", "title", "prompt", "is_favorite", "is_public", "share_slug")}),
        (
            "Request",
            {
                "fields": (
                    "genre",
                    "mood",
                    "duration",
                    "tempo_bpm",
                    "key",
                    "instruments",
                    "seed",
                    "source",
                    "parent",
                )
            },
        ),
        (
            "Generation",
            {"fields": ("status", "stage", "progress", "error", "attempts", "worker_id", "heartbeat_at")},
        ),
        (
            "Engine output",
            {"fields": ("engine_name", "engine_version", "generation_ms", "files", "delivered", "metadata")},
        ),
        ("Use", {"fields": ("play_count", "download_count")}),
        ("Times", {"fields": ("created_at", "started_at", "finished_at", "idempotency_key", "request_hash")}),
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # tracks come from generation requests, never typed in

    @admin.action(description="Retry failed tracks")
    def retry_failed(self, request: HttpRequest, queryset: QuerySet[Track]) -> None:
        from himig.studio.services import retry_track

        retried = 0
        for track in queryset.filter(status=Track.Status.FAILED).select_related("user"):
            retry_track(track)
            retried += 1
        skipped = queryset.count() - retried
        note = f" ({skipped} not failed, left alone)" if skipped else ""
        self.message_user(request, f"Queued {retried} track(s) again{note}.", messages.SUCCESS)

    def delete_model(self, request: HttpRequest, obj: Track) -> None:
        delete_tracks(Track.objects.filter(pk=obj.pk))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Track]) -> None:
        delete_tracks(queryset)
