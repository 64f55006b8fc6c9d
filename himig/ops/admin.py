"""Admin for operator records: analytics events, worker heartbeats, request statistics."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone

from himig.ops.models import Event, RequestStat, WorkerHeartbeat


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written by the system: to read and filter, never to edit."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ("name", "user", "created_at", "properties")
    list_filter = ("name", "created_at")
    search_fields = ("name", "user__email")
    date_hierarchy = "created_at"
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    # COUNT(*) over millions of events on every page is the slow part; skip it.
    show_full_result_count = False


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnlyAdmin):
    list_display = (
        "worker_id",
        "hostname",
        "pid",
        "backend",
        "queue",
        "alive",
        "last_seen",
        "tasks_done",
        "current_track",
    )
    list_filter = ("backend", "queue", "hostname")
    search_fields = ("worker_id", "hostname")
    ordering = ("-last_seen",)

    @admin.display(boolean=True, description="Alive")
    def alive(self, obj: WorkerHeartbeat) -> bool:
        return timezone.now() - obj.last_seen <= dt.timedelta(seconds=settings.HIMIG_STALE_AFTER_S)


@admin.register(RequestStat)
class RequestStatAdmin(ReadOnlyAdmin):
    list_display = ("minute", "surface", "status_class", "count", "total_ms")
    list_filter = ("surface", "status_class")
    date_hierarchy = "minute"
    ordering = ("-minute",)
