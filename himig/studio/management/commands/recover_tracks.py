"""``manage.py recover_tracks``: requeue or fail tracks whose worker went silent.

Workers run this themselves every 30 s; the command is for cron, or for a
deployment whose workers are not ``generation_worker`` processes.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from himig.studio.worker import recover_stale_tracks


class Command(BaseCommand):
    help = "Requeue tracks whose worker stopped (or fail them after the attempt budget); re-enqueue lost jobs."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = recover_stale_tracks()
        self.stdout.write(
            f"requeued {counts['requeued']}, failed {counts['failed']}, re-enqueued {counts['reenqueued']}"
        )
