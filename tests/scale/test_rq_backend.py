"""HIMIG_TASKS_BACKEND=rq: the same ``run_generation.enqueue`` lands in Redis and real RQ workers run it.

PostgreSQL holds the tracks, Redis (a database number of our own) the queue and
the cache; ``manage.py rqworker cpu`` runs himig.rqworker.GenerationWorker.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis

from tests.scale.cluster import TERMINAL, Cluster, referenced_files

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow, pytest.mark.timeout(1200)]

TRACKS = 6

RESULTS = """
import json
from himig.studio.models import Track
from himig.studio.tasks import run_generation
print("RESULTS", json.dumps({str(t.pk): run_generation.get_result(t.task_id).status for t in Track.objects.all()}))
"""


@pytest.fixture
def rq_cluster(
    new_pg_database: Callable[[], str], redis_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Cluster]:
    env = {
        "HIMIG_TASKS_BACKEND": "rq",
        "REDIS_URL": redis_url,
        "HIMIG_CACHE_PREFIX": f"t{secrets.token_hex(4)}",
        "HIMIG_STALE_AFTER_S": "6",
        **getattr(request, "param", {}),
    }
    made = Cluster(tmp_path / "site", new_pg_database(), **env)
    try:
        yield made
    finally:
        made.stop()


def test_rq_workers_run_enqueued_generations(rq_cluster: Cluster, redis_url: str) -> None:
    ids = rq_cluster.request_tracks(TRACKS)
    queued = redis.Redis.from_url(redis_url).llen("rq:queue:cpu")
    assert queued == TRACKS  # the jobs went to Redis, not to the database queue
    assert rq_cluster.query("SELECT count(*) AS n FROM django_tasks_database_dbtaskresult")[0]["n"] == 0

    for n in (1, 2):
        rq_cluster.spawn("rqworker", "cpu", log=f"rq{n}.log")
    rows = rq_cluster.wait(lambda rows: all(r["status"] in TERMINAL for r in rows), 900, "all tracks done")

    assert sorted(r["id"] for r in rows) == sorted(ids)
    assert [r for r in rows if r["status"] != "ready"] == []
    assert {r["attempts"] for r in rows} == {1}
    assert all(n == 1 for n in rq_cluster.completed_events().values())
    assert len(rq_cluster.completed_events()) == TRACKS
    assert referenced_files(rows) == rq_cluster.stored_files()

    # RQ's own record, read back through the django.tasks API.
    out = rq_cluster.manage("shell", "-c", RESULTS)
    results = json.loads(next(line for line in out.splitlines() if line.startswith("RESULTS"))[8:])
    assert set(results.values()) == {"SUCCESSFUL"}

    beats = rq_cluster.query("SELECT backend, queue, tasks_done FROM ops_workerheartbeat")
    assert {b["backend"] for b in beats} == {"rq"} and {b["queue"] for b in beats} == {"cpu"}
    assert len(beats) == 2  # one row per worker process, not one per job
    assert sum(b["tasks_done"] for b in beats) >= TRACKS


@pytest.mark.parametrize("rq_cluster", [{"HIMIG_JOB_TIMEOUT_S": "1"}], indirect=True)
def test_a_job_over_the_time_limit_fails_with_a_reason(rq_cluster: Cluster) -> None:
    [track_id] = rq_cluster.request_tracks(1, duration=120)
    rq_cluster.spawn("rqworker", "cpu", log="rq.log")
    [row] = rq_cluster.wait(lambda rows: rows[0]["status"] in TERMINAL, 600, "the track to end")
    assert row["id"] == track_id
    assert row["status"] == "failed"
    assert "JobTimeoutException" in row["error"]
    assert referenced_files([row]) == set() == rq_cluster.stored_files()
