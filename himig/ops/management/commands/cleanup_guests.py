"""``manage.py cleanup_guests``: the clean-up operators schedule (cron, systemd, ``manage.py run``).

First the guests who never signed up and went inactive (rows and files); then the
operational rows that would otherwise grow for ever: per-minute request statistics,
finished task results of the database queue, expired sessions and the heartbeats of
worker processes long gone. Each has a retention setting (docs/operations.md).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from himig.ops.maintenance import prune_operational_rows, purge_users, stale_guests


class Command(BaseCommand):
    help = (
        "Remove guests who never signed up and have been inactive for --days days (their tracks, stored "
        "audio files, events and accounts), then request statistics, finished task results, expired "
        "sessions and silent worker heartbeats past their retention."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days", type=int, default=settings.HIMIG_GUEST_RETENTION_DAYS,
            help="guests inactive for at least this many days (default HIMIG_GUEST_RETENTION_DAYS, %(default)s)",
        )
        parser.add_argument(
            "--stats-days", type=int, default=settings.HIMIG_REQUEST_STATS_RETENTION_DAYS,
            help="keep this many UTC days of request statistics (default HIMIG_REQUEST_STATS_RETENTION_DAYS, "
                 "%(default)s)",
        )
        parser.add_argument(
            "--task-results-days", type=int, default=settings.HIMIG_TASK_RESULTS_RETENTION_DAYS,
            help="delete finished task results older than this (default HIMIG_TASK_RESULTS_RETENTION_DAYS, "
                 "%(default)s)",
        )
        parser.add_argument("--dry-run", action="store_true", help="count what would go; delete nothing")

    def handle(
        self, *args: Any, days: int, stats_days: int, task_results_days: int, dry_run: bool, **options: Any
    ) -> None:
        for flag, value in (("--days", days), ("--stats-days", stats_days),
                            ("--task-results-days", task_results_days)):
            if value < 1:
                raise CommandError(f"{flag} must be at least 1")
        now = timezone.now()
        ids = list(stale_guests(days, now).values_list("pk", flat=True))
        summary = purge_users(ids, delete_accounts=True, dry_run=dry_run)
        rows = prune_operational_rows(
            now, request_stats_days=stats_days, task_results_days=task_results_days, dry_run=dry_run
        )
        verb = "would remove" if dry_run else "removed"
        self.stdout.write(
            f"cleanup_guests{' (dry run)' if dry_run else ''}: {verb} {summary.users} guests, "
            f"{summary.tracks} tracks, {summary.files} files, {summary.events} events "
            f"(inactive for {days}+ days); {rows} "
            f"(statistics kept {stats_days} days, task results {task_results_days} days)"
        )
