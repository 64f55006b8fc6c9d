from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from himig.ops.maintenance import find_orphans, track_file_names


class Command(BaseCommand):
    help = (
        "Find stored files that no track owns and ready tracks whose files are missing. "
        "--delete removes the orphan files; --fail-missing marks the broken tracks failed so "
        "their owners can retry them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--delete", action="store_true", help="delete files that no track owns")
        parser.add_argument(
            "--fail-missing", action="store_true", help="mark ready tracks with missing files as failed"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="report only, even with --delete/--fail-missing"
        )

    def handle(self, *args: Any, delete: bool, fail_missing: bool, dry_run: bool, **options: Any) -> None:
        from himig.studio.models import Track
        from himig.studio.services import remove_files

        report = find_orphans()
        for name in report.files:
            self.stdout.write(f"orphan file: {name}")
        for track_id, names in report.missing.items():
            self.stdout.write(f"track {track_id}: missing {', '.join(names) or 'all files'}")
        actions = []
        if delete and not dry_run and report.files:
            remove_files(report.files)
            actions.append(f"deleted {len(report.files)} files")
        if fail_missing and not dry_run and report.missing:
            broken = Track.objects.filter(pk__in=list(report.missing), status=Track.Status.READY)
            # What is left of a broken track goes too, as when the worker fails a track:
            # a failed track owns no files, and a retry writes them all again.
            leftovers = track_file_names(broken.only("id", "user_id", "files"))
            with transaction.atomic():
                failed = broken.update(
                    status=Track.Status.FAILED,
                    error="The stored audio files of this track are missing; retry to generate it again.",
                    files={},
                )
                transaction.on_commit(lambda: remove_files(leftovers))
            actions.append(f"marked {failed} tracks failed")
        suffix = f"; {', '.join(actions)}" if actions else ""
        self.stdout.write(
            f"orphans{' (dry run)' if dry_run else ''}: {len(report.files)} files without a track, "
            f"{len(report.missing)} tracks with missing files{suffix}"
        )
