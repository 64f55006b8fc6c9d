"""The worker's log lines about a track carry the id of the request that asked for it."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from himig.ops.logs import current_request_id, current_track_id
from himig.studio import worker
from himig.studio.models import Track
from himig.studio.tasks import run_generation

GOOD = {"prompt": "calm piano for studying", "genre": "auto", "mood": "auto", "duration": "30"}


@pytest.mark.django_db(transaction=True)
def test_the_task_runs_inside_the_request_id_and_track_id_of_its_request(
    alice_client: Client, user, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, str | None] = {}

    def fake_generate(track_id: str, worker_id: str | None = None) -> str:
        # Stand-in for the engine run: the point is the logging context around it.
        seen["request_id"], seen["track_id"] = current_request_id(), current_track_id()
        logging.getLogger("himig.studio.worker").info("generating")
        return "ready"

    monkeypatch.setattr(worker, "generate_track", fake_generate)
    response = alice_client.post("/generate/", GOOD, HTTP_X_REQUEST_ID="req-abc-123")
    assert response.status_code == 302
    track = Track.objects.get(user=user)
    assert run_generation.call(str(track.pk)) == "ready"
    assert seen == {"request_id": "req-abc-123", "track_id": str(track.pk)}
    assert current_request_id() is None  # the context does not leak past the job
