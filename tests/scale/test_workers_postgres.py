"""Many workers on one PostgreSQL queue: no track is ever run twice, even when a worker dies.

Real processes on a scratch database: ``manage.py db_worker`` (django-tasks-db's
own loop) and ``manage.py generation_worker`` (the same loop plus heartbeats and
recovery), the real engine making 15-second tracks. On two shared cores these
take minutes, hence ``slow``; HIMIG_SCALE_TRACKS lowers the count for a quick look.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.scale.cluster import TERMINAL, Cluster, referenced_files

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(1800)]

TRACKS = int(os.environ.get("HIMIG_SCALE_TRACKS", "50"))


@pytest.fixture
def cluster(new_pg_database: Callable[[], str], tmp_path: Path) -> Cluster:
    made = Cluster(tmp_path / "site", new_pg_database(), HIMIG_STALE_AFTER_S="6")
    try:
        yield made
    finally:
        made.stop()


def assert_each_track_ran_once(cluster: Cluster, rows: list[dict]) -> None:
    completed = cluster.completed_events()
    for row in rows:
        if row["status"] == "ready":
            assert completed.get(row["id"]) == 1, (
                f"track {row['id']} completed {completed.get(row['id'])} times"
            )
    assert all(n == 1 for n in completed.values())


def assert_no_orphan_files(cluster: Cluster, rows: list[dict]) -> None:
    stored = cluster.stored_files()
    referenced = referenced_files(rows)
    assert referenced <= stored, f"missing: {sorted(referenced - stored)[:5]}"
    assert stored <= referenced, f"orphans: {sorted(stored - referenced)[:5]}"


def test_two_db_workers_never_run_a_track_twice(cluster: Cluster) -> None:
    ids = cluster.request_tracks(TRACKS)
    started = time.monotonic()
    for n in (1, 2):
        cluster.spawn(
            "db_worker",
            "--queue-name",
            "cpu",
            "--interval",
            "0.1",
            "--no-startup-delay",
            "--no-reload",
            log=f"worker{n}.log",
        )
    rows = cluster.wait(lambda rows: all(r["status"] in TERMINAL for r in rows), 1500, "all tracks done")
    elapsed = time.monotonic() - started
    print(f"\n{TRACKS} tracks of 15 s with 2 db_workers on PostgreSQL: {elapsed:.1f} s")

    assert sorted(r["id"] for r in rows) == sorted(ids)
    assert [r for r in rows if r["status"] != "ready"] == []
    # Claimed exactly once each (the conditional UPDATE never let a second worker in) ...
    assert {r["attempts"] for r in rows} == {1}
    # ... delivered once each, and both workers took part.
    assert_each_track_ran_once(cluster, rows)
    assert len({r["worker_id"] for r in rows}) == 2
    # django-tasks-db's own record: one task per track, each run by exactly one worker.
    tasks = cluster.query("SELECT status, worker_ids FROM django_tasks_database_dbtaskresult")
    assert len(tasks) == TRACKS
    assert {t["status"] for t in tasks} == {"SUCCESSFUL"}
    assert all(len(t["worker_ids"]) == 1 for t in tasks)
    assert_no_orphan_files(cluster, rows)


def test_a_worker_killed_mid_run_loses_no_track(cluster: Cluster) -> None:
    ids = cluster.request_tracks(TRACKS)
    victim = cluster.spawn("generation_worker", "--recover-every", "2", log="victim.log")
    cluster.spawn("generation_worker", "--recover-every", "2", log="survivor.log")

    # Kill the victim while it holds a track, once a few tracks are already done.
    def victim_busy(rows: list[dict]) -> bool:
        done = sum(r["status"] == "ready" for r in rows)
        return done >= 3 and any(
            r["status"] == "running" and r["worker_id"].endswith(f":{victim.pid}") for r in rows
        )

    cluster.wait(victim_busy, 900, "the victim to be mid-track")
    held = [
        r["id"]
        for r in cluster.tracks()
        if r["status"] == "running" and r["worker_id"].endswith(f":{victim.pid}")
    ]
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait()

    rows = cluster.wait(lambda rows: all(r["status"] in TERMINAL for r in rows), 1500, "all tracks done")
    assert sorted(r["id"] for r in rows) == sorted(ids)
    for row in rows:
        # Ready, or failed with a reason after the retry budget: never stuck.
        assert row["status"] == "ready" or (row["status"] == "failed" and row["error"]), row
    assert [r for r in rows if r["status"] != "ready"] == [], "one death is within the retry budget"
    # The track the victim held was taken over: a second attempt, delivered once.
    by_id = {r["id"]: r for r in rows}
    for track_id in held:
        assert by_id[track_id]["attempts"] == 2
        assert not by_id[track_id]["worker_id"].endswith(f":{victim.pid}")
    assert_each_track_ran_once(cluster, rows)
    assert_no_orphan_files(cluster, rows)
