from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from himig.ops import demo


class Command(BaseCommand):
    help = (
        "Fill a demo instance with synthetic activity (people, guests, tracks without audio, events, "
        "request statistics) to look at the ops dashboard. Replaces earlier demo data; --clear removes it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=30)
        parser.add_argument("--users", type=int, default=150)
        parser.add_argument(
            "--seed", type=int, default=7, help="random seed: the same seed gives the same data"
        )
        parser.add_argument("--clear", action="store_true", help="remove the demo data and stop")
        parser.add_argument(
            "--force", action="store_true", help="seed even though real people use this instance"
        )
        parser.add_argument("--dry-run", action="store_true")

    def handle(
        self, *args: Any, days: int, users: int, seed: int, clear: bool, force: bool, dry_run: bool, **o: Any
    ) -> None:
        if clear:
            if dry_run:
                self.stdout.write(
                    f"seed_demo_data (dry run): would remove {len(demo.demo_user_ids())} demo people"
                )
                return
            self.stdout.write(f"seed_demo_data: removed {demo.clear_demo_data()} demo people and their data")
            return
        if days < 1 or users < 1:
            raise CommandError("--days and --users must be at least 1")
        if demo.has_real_data() and not force:
            raise CommandError(
                "this instance has real people or events; seed demo data only into a demo instance (or --force)"
            )
        if dry_run:
            self.stdout.write(
                f"seed_demo_data (dry run): would replace the demo data with {days} days by {users} people"
            )
            return
        s = demo.seed(days, users, seed)
        self.stdout.write(
            f"seed_demo_data: {s.users} people, {s.guests} guests, {s.tracks} tracks, {s.events} events, "
            f"{s.request_minutes} request-statistics rows over {days} days"
        )
