"""Per-minute request statistics: buffered in the process, merged across processes by upserts."""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection

from himig.ops import requeststats
from himig.ops.models import RequestStat
from himig.ops.requeststats import RequestStatBuffer, bucket_index, status_class


def test_status_classes_and_latency_buckets():
    assert [status_class(s) for s in (200, 302, 404, 503, 99)] == ["2xx", "3xx", "4xx", "5xx", "1xx"]
    assert [bucket_index(ms) for ms in (0.2, 10, 10.1, 5000, 5001)] == [0, 0, 1, 8, 9]


@pytest.mark.django_db
def test_requests_cost_no_database_write_until_the_flush(client, django_assert_num_queries, monkeypatch):
    buffer = RequestStatBuffer(flush_interval_s=3600)
    monkeypatch.setattr("himig.ops.middleware.buffer", buffer)
    with django_assert_num_queries(0):  # /api/health never touches the database, and neither do we
        for _ in range(5):
            assert client.get("/api/health").status_code == 200
    assert buffer.pending() == 5 and not RequestStat.objects.exists()
    assert buffer.flush() == 5
    row = RequestStat.objects.get()
    assert (row.surface, row.status_class, row.count) == ("api", "2xx", 5)
    assert sum(getattr(row, name) for name in requeststats.BUCKET_FIELDS) == 5


@pytest.mark.django_db
def test_two_processes_flushing_the_same_minute_add_up():
    minute = dt.datetime(2026, 1, 7, 10, 0, 30, tzinfo=dt.UTC)
    first, second = RequestStatBuffer(3600), RequestStatBuffer(3600)
    first.add("web", 200, 12, now=minute)
    second.add("web", 204, 40, now=minute + dt.timedelta(seconds=20))
    second.add("web", 500, 3, now=minute)
    first.flush()
    second.flush()
    ok = RequestStat.objects.get(status_class="2xx")
    assert (ok.minute, ok.count, ok.total_ms, ok.le_25, ok.le_50) == (minute.replace(second=0), 2, 52, 1, 1)
    assert RequestStat.objects.get(status_class="5xx").le_10 == 1


@pytest.mark.django_db
def test_a_due_buffer_flushes_itself(client, monkeypatch):
    buffer = RequestStatBuffer(flush_interval_s=0)
    monkeypatch.setattr("himig.ops.middleware.buffer", buffer)
    client.get("/no-such-page/")
    assert RequestStat.objects.get().status_class == "4xx"
    assert buffer.pending() == 0


# --- the last interval, at process exit ----------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
PG_ADMIN_URL = os.environ.get("HIMIG_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")


@pytest.mark.django_db
def test_rows_collected_against_another_database_are_dropped_not_written(monkeypatch, caplog):
    """A test run's last requests were served by the test database, which is gone at exit."""
    buffer = RequestStatBuffer(3600)
    buffer.add("web", 200, 5)
    # What pytest-django (and Django's test runner) do at the end: the settings name the
    # real database again.
    monkeypatch.setitem(connection.settings_dict, "NAME", f"{connection.settings_dict['NAME']}-the-real-one")
    with caplog.at_level(logging.DEBUG, logger="himig.ops.requeststats"):
        assert buffer.flush() == 0
    assert buffer.pending() == 0
    assert not RequestStat.objects.exists()
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


@pytest.mark.django_db
def test_rows_of_the_current_database_are_written_beside_dropped_ones(monkeypatch):
    buffer = RequestStatBuffer(3600)
    real = connection.settings_dict["NAME"]
    monkeypatch.setitem(connection.settings_dict, "NAME", "elsewhere")
    buffer.add("web", 500, 5)
    monkeypatch.setitem(connection.settings_dict, "NAME", real)
    buffer.add("api", 200, 5)
    assert buffer.pending() == 2
    assert buffer.flush() == 1
    assert list(RequestStat.objects.values_list("surface", "status_class")) == [("api", "2xx")]


EXIT_SCRIPT = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.test import Client
client = Client()
for _ in range(3):
    assert client.get("/api/health").status_code == 200
print("served")
"""


@pytest.mark.slow
def test_a_process_that_exits_writes_its_last_statistics_without_error(tmp_path: Path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "himig.settings", "HIMIG_DATA_DIR": str(tmp_path),
           "HIMIG_SECRET_KEY": "exit-test", "HIMIG_STATIC_MANIFEST": "0", "HIMIG_LOG_FORMAT": "text",
           "HIMIG_REQUEST_STATS_FLUSH_SECONDS": "3600"}
    env.pop("DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-c", EXIT_SCRIPT], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "served" in done.stdout
    assert "request statistics" not in done.stderr and "Logging error" not in done.stderr, done.stderr[-3000:]
    with sqlite3.connect(tmp_path / "himig.sqlite3") as db:
        assert db.execute("SELECT SUM(count) FROM ops_requeststat WHERE surface = 'api'").fetchone() == (3,)


INNER_TEST = """
import pytest

@pytest.mark.django_db
def test_serves(client):
    assert client.get("/api/health").status_code == 200
    assert client.get("/no-such-page/").status_code == 404
"""


@pytest.mark.slow
@pytest.mark.postgres
def test_a_test_run_on_postgresql_ends_without_a_statistics_error(tmp_path: Path):
    """The reported symptom: at exit, the flush met the dropped test database and logged
    "could not write request statistics" into pytest's closed capture stream."""
    import psycopg
    from psycopg import sql

    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        if os.environ.get("HIMIG_REQUIRE_SERVICES") == "1":
            pytest.fail(f"PostgreSQL is required here: {exc}")
        pytest.skip(f"PostgreSQL not available: {exc}")
    name = f"himig_exit_{secrets.token_hex(4)}"
    parts = urlsplit(PG_ADMIN_URL)
    url = urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))
    (tmp_path / "test_inner.py").write_text(INNER_TEST)
    env = {**os.environ, "DATABASE_URL": url, "HIMIG_REQUEST_STATS_FLUSH_SECONDS": "3600"}
    env.pop("HIMIG_DATA_DIR", None)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-c", str(ROOT / "pyproject.toml"),
             "--rootdir", str(ROOT), str(tmp_path / "test_inner.py")],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
        )
    finally:
        with admin:
            for db in (name, f"test_{name}"):
                admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db)))
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    assert "1 passed" in output
    assert "could not write request statistics" not in output, output[-3000:]
    assert "Logging error" not in output, output[-3000:]
