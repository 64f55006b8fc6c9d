from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from himig.ops.maintenance import purge_users, stale_guests


class Command(BaseCommand):
    help = (
        "Remove guests who never signed up and have been inactive for --days days: "
        "their tracks, stored audio files, events and the guest accounts themselves."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days", type=int, default=90, help="inactive for at least this many days (default 90)"
        )
        parser.add_argument("--dry-run", action="store_true", help="count what would go; delete nothing")

    def handle(self, *args: Any, days: int, dry_run: bool, **options: Any) -> None:
        if days < 1:
            from django.core.management.base import CommandError

            raise CommandError("--days must be at least 1")
        ids = list(stale_guests(days, timezone.now()).values_list("pk", flat=True))
        summary = purge_users(ids, delete_accounts=True, dry_run=dry_run)
        verb = "would remove" if dry_run else "removed"
        self.stdout.write(
            f"cleanup_guests{' (dry run)' if dry_run else ''}: {verb} {summary.users} guests, "
            f"{summary.tracks} tracks, {summary.files} files, {summary.events} events "
            f"(inactive for {days}+ days)"
        )
