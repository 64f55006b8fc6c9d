"""Admin for people and their API keys: search, disable, delete their data, revoke keys."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from himig.accounts.models import ApiKey, Preferences, User
from himig.ops.maintenance import purge_users


class HimigUserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class HimigUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class PreferencesInline(admin.StackedInline):
    model = Preferences
    can_delete = False
    extra = 0


class ApiKeyInline(admin.TabularInline):
    model = ApiKey
    extra = 0
    can_delete = False
    fields = ("name", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # keys are created by their owner, who is the only one to see them


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = HimigUserChangeForm
    add_form = HimigUserCreationForm
    list_display = (
        "__str__",
        "display_name",
        "is_guest",
        "is_active",
        "is_staff",
        "track_count",
        "date_joined",
    )
    list_filter = ("is_guest", "is_staff", "is_active", "is_superuser")
    search_fields = ("email", "display_name")
    ordering = ("-date_joined",)
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("display_name", "is_guest")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "usable_password", "password1", "password2")}),
    )
    inlines = (PreferencesInline, ApiKeyInline)
    actions = ("disable_users", "delete_users_data")

    def get_inlines(
        self, request: HttpRequest, obj: User | None
    ) -> tuple[type[admin.options.InlineModelAdmin], ...]:
        return self.inlines if obj is not None else ()  # a new account has no keys or preferences yet

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).annotate(n_tracks=Count("tracks"))

    @admin.display(description="Tracks", ordering="n_tracks")
    def track_count(self, obj: User) -> int:
        return getattr(obj, "n_tracks", 0)

    @admin.action(description="Disable user (sign-in and API keys stop working at once)")
    def disable_users(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        changed = queryset.filter(is_active=True).exclude(pk=request.user.pk).update(is_active=False)
        self.message_user(request, f"Disabled {changed} user(s).", messages.SUCCESS)

    @admin.action(description="Delete user's data (tracks, audio files, events)", permissions=["delete"])
    def delete_users_data(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        summary = purge_users(list(queryset.values_list("pk", flat=True)), delete_accounts=False)
        self.message_user(
            request,
            f"Deleted {summary.tracks} tracks, {summary.files} files and {summary.events} events.",
            messages.SUCCESS,
        )

    # Deleting accounts here must take their audio files along, or they become orphans.
    def delete_model(self, request: HttpRequest, obj: User) -> None:
        purge_users([obj.pk], delete_accounts=True)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        purge_users(list(queryset.values_list("pk", flat=True)), delete_accounts=True)


class RevokedFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("active", "Active"), ("revoked", "Revoked")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> QuerySet[ApiKey]:
        if self.value() == "active":
            return queryset.filter(revoked_at__isnull=True)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "user", "created_at", "last_used_at", "revoked_at")
    list_filter = (RevokedFilter,)
    search_fields = ("prefix", "name", "user__email")
    list_select_related = ("user",)
    readonly_fields = ("user", "prefix", "key_hash", "created_at", "last_used_at", "revoked_at")
    fields = ("name", *readonly_fields)
    actions = ("revoke_keys",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Revoke selected keys")
    def revoke_keys(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        revoked = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, f"Revoked {revoked} key(s).", messages.SUCCESS)
