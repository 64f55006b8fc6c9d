"""Admin for the embedded rate-limit counters: who is being limited right now (read-only)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from himig.api.models import RateCounter


@admin.register(RateCounter)
class RateCounterAdmin(admin.ModelAdmin):
    list_display = ("key", "count", "expires_at")
    search_fields = ("key",)
    ordering = ("-expires_at",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
