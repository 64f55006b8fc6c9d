"""Removing people's data for real: rows *and* stored files, never one without the other.

Used by the admin actions ("Delete user's data", deleting users or tracks) and by
``cleanup_guests``. Files are deleted only after the database transaction commits,
so a rollback never leaves rows pointing at deleted audio.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet

from himig.ops.models import Event

# Deletes run in slices so that no single statement binds more variables than
# SQLite allows and no transaction holds the write lock for long.
CHUNK = 500


@dataclasses.dataclass
class PurgeSummary:
    users: int = 0
    tracks: int = 0
    files: int = 0
    events: int = 0

    def __add__(self, other: PurgeSummary) -> PurgeSummary:
        return PurgeSummary(
            *(a + b for a, b in zip(dataclasses.astuple(self), dataclasses.astuple(other), strict=True))
        )

    def __str__(self) -> str:
        return f"{self.users} users, {self.tracks} tracks, {self.files} files, {self.events} events"


def track_file_names(tracks: Iterable[object]) -> list[str]:
    """Every stored file of these tracks: the names on the row plus whatever is in their folders."""
    from himig.studio.services import stored_names, track_folder

    names: set[str] = set()
    for track in tracks:
        listed = set(stored_names(track_folder(track)))  # type: ignore[arg-type]
        recorded = {name for name in track.files.values() if name not in listed}  # type: ignore[attr-defined]
        names |= listed | {name for name in recorded if default_storage.exists(name)}
    return sorted(names)


def _remove_after_commit(names: list[str]) -> None:
    from himig.studio.services import remove_files

    if names:
        transaction.on_commit(lambda: remove_files(names))


def purge_users(user_ids: list[int], *, delete_accounts: bool, dry_run: bool = False) -> PurgeSummary:
    """Remove the tracks, files and events of these users (and the users, if asked)."""
    from himig.studio.models import Track

    User = get_user_model()
    total = PurgeSummary()
    for start in range(0, len(user_ids), CHUNK):
        ids = user_ids[start : start + CHUNK]
        tracks = Track.objects.filter(user_id__in=ids)
        names = track_file_names(tracks.only("id", "user_id", "files").iterator())
        summary = PurgeSummary(
            users=len(ids) if delete_accounts else 0,
            tracks=tracks.count(),
            files=len(names),
            events=Event.objects.filter(user_id__in=ids).count(),
        )
        total += summary
        if dry_run:
            continue
        with transaction.atomic():
            tracks.delete()
            Event.objects.filter(user_id__in=ids).delete()
            if delete_accounts:
                User.objects.filter(pk__in=ids).delete()
            _remove_after_commit(names)
    return total


def delete_tracks(tracks: QuerySet[object]) -> PurgeSummary:
    """Delete tracks and their files (the admin's delete; never leaves orphans)."""
    rows = list(tracks.only("id", "user_id", "files"))
    names = track_file_names(rows)
    with transaction.atomic():
        count = (
            tracks.model.objects.filter(pk__in=[t.pk for t in rows])
            .delete()[1]
            .get(tracks.model._meta.label, 0)
        )
        _remove_after_commit(names)
    return PurgeSummary(tracks=count, files=len(names))


def stale_guests(days: int, now: dt.datetime) -> QuerySet[object]:
    """Guests who never signed up and have done nothing for ``days`` days.

    Nothing = no track, no event and no visit (a visit renews the guest's session and
    ``last_login`` once a day, see ``accounts.services``), so a guest is removed only
    after their session cookie has expired.
    """
    from himig.studio.models import Track

    cutoff = now - dt.timedelta(days=days)
    User = get_user_model()
    recent_track = Track.objects.filter(user=OuterRef("pk"), created_at__gte=cutoff)
    recent_event = Event.objects.filter(user=OuterRef("pk"), created_at__gte=cutoff)
    return (
        User.objects.filter(is_guest=True, date_joined__lt=cutoff)
        .filter(Q(last_login__isnull=True) | Q(last_login__lt=cutoff))
        .exclude(Exists(recent_track))
        .exclude(Exists(recent_event))
        .order_by("pk")
    )


@dataclasses.dataclass
class OrphanReport:
    files: list[str]  # stored files that no track owns
    missing: dict[str, list[str]]  # ready track id → its recorded files that are gone ([] = none recorded)


def find_orphans() -> OrphanReport:
    """Compare the audio folder of the storage with the Track rows, both ways.

    A file counts as an orphan when no track lists it and it is not in the folder
    of a track still being generated (whose files are stored before the row
    names them).
    """
    from himig.ops.backup import storage_names
    from himig.studio.models import Track
    from himig.studio.services import track_folder

    referenced: set[str] = set()
    busy_folders: set[str] = set()
    missing: dict[str, list[str]] = {}
    stored = set(storage_names())
    for track in Track.objects.only("id", "user_id", "status", "files").iterator(chunk_size=2000):
        names = set(track.files.values())
        referenced |= names
        if track.status in (Track.Status.QUEUED, Track.Status.RUNNING):
            busy_folders.add(track_folder(track))
        elif track.status == Track.Status.READY:
            gone = sorted(name for name in names if name not in stored and not default_storage.exists(name))
            if gone or not names:
                missing[str(track.pk)] = gone
    orphans = sorted(
        name
        for name in stored
        if name not in referenced and not any(name.startswith(f) for f in busy_folders)
    )
    return OrphanReport(orphans, missing)


def _folder_of(name: str) -> str:
    """``tracks/<user>/<track>`` of a stored name (the layout of studio.services.track_folder)."""
    return "/".join(name.split("/")[:3])


# --- retention of operational rows (run by cleanup_guests) ---------------------------

# A worker heartbeat silent this long belongs to a process that is gone for good
# (each restart beats under a new id); its row only lengthens /metrics and the dashboard.
HEARTBEAT_RETENTION = dt.timedelta(days=7)


@dataclasses.dataclass
class RetentionSummary:
    request_stats: int = 0
    task_results: int = 0
    sessions: int = 0
    heartbeats: int = 0

    def __str__(self) -> str:
        return (
            f"{self.request_stats} request-statistics rows, {self.task_results} task results, "
            f"{self.sessions} expired sessions, {self.heartbeats} silent worker heartbeats"
        )


def day_start(when: dt.datetime) -> dt.datetime:
    return when.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def prune_request_stats(days: int, now: dt.datetime, *, dry_run: bool = False) -> int:
    """Delete per-minute request statistics of UTC days more than ``days`` days ago.

    Whole days are kept, so the dashboard's ``days``-day range is always complete.
    Deleted a day at a time: a first prune of a long backlog never holds SQLite's
    write lock for more than one short statement.
    """
    from himig.ops.models import RequestStat

    cutoff = day_start(now) - dt.timedelta(days=days - 1)
    old = RequestStat.objects.filter(minute__lt=cutoff)
    if dry_run:
        return old.count()
    deleted = 0
    while True:
        oldest = old.order_by("minute").values_list("minute", flat=True).first()
        if oldest is None:
            return deleted
        upto = min(day_start(oldest) + dt.timedelta(days=1), cutoff)
        deleted += RequestStat.objects.filter(minute__lt=upto).delete()[0]


def prune_task_results(days: int, now: dt.datetime, *, dry_run: bool = False) -> int:
    """Delete finished task results (database queue) older than ``days`` days, on every queue.

    What django-tasks-db's ``prune_db_task_results --queue-name '*' --min-age-days N``
    does; waiting and running tasks are never touched. A no-op on other backends.
    """
    from django_tasks_db.models import DBTaskResult

    old = DBTaskResult.objects.finished().filter(finished_at__lte=now - dt.timedelta(days=days))
    return old.count() if dry_run else old.delete()[0]


def clear_expired_sessions(now: dt.datetime, *, dry_run: bool = False) -> int:
    """Delete expired sessions (``manage.py clearsessions``); returns how many, where countable."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore

    store = import_module(settings.SESSION_ENGINE).SessionStore
    count = 0
    if issubclass(store, DatabaseSessionStore):
        count = store.get_model_class().objects.filter(expire_date__lt=now).count()
    if not dry_run:
        store.clear_expired()
    return count


def prune_heartbeats(now: dt.datetime, *, dry_run: bool = False) -> int:
    from himig.ops.models import WorkerHeartbeat

    gone = WorkerHeartbeat.objects.filter(last_seen__lt=now - HEARTBEAT_RETENTION)
    return gone.count() if dry_run else gone.delete()[0]


def prune_operational_rows(
    now: dt.datetime, *, request_stats_days: int, task_results_days: int, dry_run: bool = False
) -> RetentionSummary:
    return RetentionSummary(
        request_stats=prune_request_stats(request_stats_days, now, dry_run=dry_run),
        task_results=prune_task_results(task_results_days, now, dry_run=dry_run),
        sessions=clear_expired_sessions(now, dry_run=dry_run),
        heartbeats=prune_heartbeats(now, dry_run=dry_run),
    )
