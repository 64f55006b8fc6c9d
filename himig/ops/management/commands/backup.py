from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from himig.ops import backup


class Command(BaseCommand):
    help = "Write one archive: a consistent database snapshot, every audio file, and a manifest of sha256 checksums."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--out", required=True, type=Path, help="archive to write (.tar, or .tar.gz to compress)"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="say what would be archived; write nothing"
        )

    def handle(self, *args: Any, out: Path, dry_run: bool, **options: Any) -> None:
        if dry_run:
            names = backup.storage_names()
            rows = sum(backup.live_row_counts().values())
            self.stdout.write(
                f"backup (dry run): would write {out} with the {connection.vendor} database ({rows} rows) "
                f"and {len(names)} files"
            )
            return
        try:
            result = backup.write_backup(out)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"backup: wrote {result.path} — {result.database} database ({result.rows} rows), "
            f"{result.files} files ({result.bytes / 1e6:.1f} MB), manifest with sha256 of every member"
        )
