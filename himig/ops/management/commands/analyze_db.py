from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection


def statements(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return ["ANALYZE"]
    if vendor == "sqlite":
        # optimize runs ANALYZE only where it would help; the full ANALYZE first keeps
        # the statistics fresh for the dashboard's large Event table as well.
        return ["ANALYZE", "PRAGMA optimize"]
    raise CommandError(f"analyze_db supports PostgreSQL and SQLite, not {vendor}")


class Command(BaseCommand):
    help = (
        "Refresh the query planner's statistics (ANALYZE on PostgreSQL; ANALYZE + PRAGMA optimize on SQLite)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="print the statements; run nothing")

    def handle(self, *args: Any, dry_run: bool, **options: Any) -> None:
        todo = statements(connection.vendor)
        if dry_run:
            self.stdout.write(f"analyze_db (dry run): would run {'; '.join(todo)} on {connection.vendor}")
            return
        with connection.cursor() as cursor:
            for statement in todo:
                cursor.execute(statement)
        self.stdout.write(f"analyze_db: ran {'; '.join(todo)} on {connection.vendor}")
