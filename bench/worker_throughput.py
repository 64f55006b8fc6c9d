"""Generation throughput with 1 and 2 workers on PostgreSQL (real engine, 15-second tracks).

For each worker count: a scratch database on the local server, N tracks requested
through ``request_generation``, N ``manage.py generation_worker`` processes, and the
time from the first track started to the last one finished (engine warm-up is
not counted). Uses the same harness as tests/scale.

    .venv/bin/python bench/worker_throughput.py [TRACKS]      # default 20
"""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HIMIG_STATIC_MANIFEST", "0")

import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402

from tests.scale.cluster import TERMINAL, Cluster  # noqa: E402
from tests.scale.conftest import PG_ADMIN_URL, with_database  # noqa: E402


def main() -> None:
    tracks = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    for workers in (1, 2):
        name = f"himig_bench_{secrets.token_hex(4)}"
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        cluster = None
        try:
            cluster = Cluster(Path(tempfile.mkdtemp(prefix="himig-thru-")) / "site", with_database(PG_ADMIN_URL, name))
            cluster.request_tracks(tracks)
            for n in range(workers):
                cluster.spawn("generation_worker", log=f"worker{n}.log")
            cluster.wait(lambda rows: all(r["status"] in TERMINAL for r in rows), 3600, "all tracks done")
            row = cluster.query(
                "SELECT extract(epoch FROM max(finished_at) - min(started_at))::float AS s, "
                "count(*) FILTER (WHERE status = 'ready') AS ready FROM studio_track"
            )[0]
            print(f"{tracks} tracks of 15 s, {workers} worker(s): {row['s']:.1f} s first start → last finish, "
                  f"{row['ready']} ready, {tracks / row['s']:.2f} tracks/s", flush=True)
        finally:
            if cluster is not None:
                cluster.stop()
            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
                admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


if __name__ == "__main__":
    main()
