"""Background tasks of the studio, declared through the django.tasks API (backport).

The task only carries the track id: the Track row is the truth about the job, so
the same code works on the database queue and on a distributed one.
"""

from __future__ import annotations

from django.conf import settings
from django_tasks import task


@task(queue_name=settings.HIMIG_GENERATION_QUEUE)
def run_generation(track_id: str) -> str:
    """Generate one track; returns what happened (ready, failed, skipped, superseded)."""
    from himig.studio.worker import generate_track

    return generate_track(track_id)
