"""Background tasks of the studio, declared through the django.tasks API (backport).

The task only carries the track id: the Track row is the truth about the job, so
the same code works on the database queue and on a distributed one.
"""

from __future__ import annotations

from django.conf import settings
from django_tasks import task


@task(queue_name=settings.HIMIG_GENERATION_QUEUE)
def run_generation(track_id: str) -> str:
    """Generate one track; returns what happened (ready, failed, skipped, superseded).

    Every log line of the job carries the track id and the id of the web request
    that asked for it, so an operator can follow one generation from the browser to
    the worker.
    """
    from himig.ops.events import request_id_for_track
    from himig.ops.logs import log_context
    from himig.studio.models import Track
    from himig.studio.worker import generate_track

    created_at = Track.objects.filter(pk=track_id).values_list("created_at", flat=True).first()
    request_id = request_id_for_track(track_id, created_at) if created_at else None
    with log_context(request_id=request_id or None, track_id=track_id):
        return generate_track(track_id)
