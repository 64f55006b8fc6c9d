from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from himig.ops import backup


class Command(BaseCommand):
    help = (
        "Rebuild an empty instance from a backup archive: verify every checksum, restore the "
        "database and the audio files, then verify them again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path)
        parser.add_argument(
            "--force",
            action="store_true",
            help="restore even though this instance holds data (it is replaced)",
        )
        parser.add_argument("--dry-run", action="store_true", help="verify the archive only; change nothing")

    def handle(self, *args: Any, archive: Path, force: bool, dry_run: bool, **options: Any) -> None:
        with tempfile.TemporaryDirectory(prefix="himig-restore-") as tmp:
            try:
                verified = backup.extract_and_verify(archive, Path(tmp))
            except backup.BackupError as exc:
                raise CommandError(f"restore: {exc}; nothing was changed") from None
            manifest = verified.manifest
            rows = sum(manifest["counts"].values())
            what = f"{manifest['database']['vendor']} database ({rows} rows) and {len(verified.media)} files"
            if dry_run:
                self.stdout.write(f"restore (dry run): {archive} is intact — {what}, all checksums match")
                return
            if backup.instance_has_data() and not force:
                raise CommandError(
                    "restore: this instance already holds users, tracks, events or audio files; "
                    "restore into an empty instance, or pass --force to replace them"
                )
            try:
                backup.restore_database(verified)
                files = backup.restore_files(verified)
            except backup.BackupError as exc:
                raise CommandError(f"restore: {exc}") from None
            problems = backup.verify_restored(verified)
            if problems:
                raise CommandError("restore: verification failed: " + "; ".join(problems[:10]))
            # A backup from an older Himig gets the newer schema now.
            call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write(
            f"restore: restored the {manifest['database']['vendor']} database ({rows} rows) and {files} files "
            f"from {archive}; every checksum and row count verified"
        )
