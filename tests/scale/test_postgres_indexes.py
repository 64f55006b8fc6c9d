"""The indexes the library, the status poll and the ops dashboard rely on exist on PostgreSQL.

Migrations run for real against a fresh database; the index definitions are read
back through Django's introspection API, and the planner is asked whether the
library query is served by the (user, created_at DESC) index without a sort.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dj_database_url
import pytest
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.utils import ConnectionHandler

from tests.scale.conftest import manage, process_env

pytestmark = pytest.mark.postgres


@pytest.fixture
def migrated(pg_url: str, tmp_path: Path, django_db_blocker: Any) -> Iterator[BaseDatabaseWrapper]:
    manage("migrate", "--noinput", env=process_env(tmp_path, DATABASE_URL=pg_url))
    # A connection of our own to the scratch database, outside pytest-django's test DB.
    handler = ConnectionHandler({"default": dj_database_url.parse(pg_url)})
    connection = handler["default"]
    with django_db_blocker.unblock():
        try:
            yield connection
        finally:
            connection.close()


def index_columns(connection: BaseDatabaseWrapper, table: str) -> dict[tuple[tuple[str, str], ...], str]:
    """{((column, order), ...): index name} for every index on ``table``."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    found = {}
    for name, info in constraints.items():
        if info["index"] or info["primary_key"] or info["unique"]:
            orders = info.get("orders") or ["ASC"] * len(info["columns"])
            found[tuple(zip(info["columns"], orders, strict=True))] = name
    return found


def has_index_led_by(indexes: dict[tuple[tuple[str, str], ...], str], *columns: tuple[str, str]) -> bool:
    """Is there an index whose leading columns are ``columns``? (What a range scan on them needs.)"""
    return any(key[: len(columns)] == columns for key in indexes)


def test_it_indexes_the_library_by_user_and_newest_first(migrated: BaseDatabaseWrapper) -> None:
    indexes = index_columns(migrated, "studio_track")
    assert (("user_id", "ASC"), ("created_at", "DESC")) in indexes


def test_it_indexes_the_queue_and_dashboard_scans(migrated: BaseDatabaseWrapper) -> None:
    tracks = index_columns(migrated, "studio_track")
    # Queue depth / stale-track recovery: status filtered, oldest first.
    assert has_index_led_by(tracks, ("status", "ASC"), ("created_at", "ASC"))
    # Dashboard time series (generations per day, success rate, p95 time).
    assert has_index_led_by(tracks, ("created_at", "ASC"))

    events = index_columns(migrated, "ops_event")
    assert has_index_led_by(events, ("name", "ASC"), ("created_at", "ASC"))
    assert has_index_led_by(events, ("user_id", "ASC"), ("created_at", "ASC"))
    assert has_index_led_by(events, ("created_at", "ASC"))

    beats = index_columns(migrated, "ops_workerheartbeat")
    assert has_index_led_by(beats, ("last_seen", "ASC"))
    assert has_index_led_by(beats, ("worker_id", "ASC"))


def test_the_planner_reads_the_library_from_the_index(migrated: BaseDatabaseWrapper) -> None:
    with migrated.cursor() as cursor:
        # With a near-empty table a sequential scan always wins; forbid it to see
        # whether the index can answer the query at all (and without a sort).
        cursor.execute("SET enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT id FROM studio_track WHERE user_id = %s ORDER BY created_at DESC, id DESC LIMIT 24",
            [1],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "track_user_created" in plan, plan
