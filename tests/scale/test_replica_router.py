"""DATABASE_REPLICA_URL adds a ``replica`` alias that opted-in reads use, and nothing else.

Two real PostgreSQL databases stand in for primary and replica (no streaming
replication here): the second one is left empty, so where a read went is visible.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.scale.conftest import PYTHON, ROOT, manage, process_env

pytestmark = pytest.mark.postgres

SCRIPT = """
import json, django
django.setup()
from django.db import transaction
from himig.accounts.models import User
from himig.dbrouter import read_db, use_replica

User.objects.create(email="primary@example.com")   # a write: always the primary
out = {"read_db": read_db(), "outside": User.objects.count()}
with use_replica():
    out["inside"] = User.objects.count()
    with transaction.atomic():
        out["inside_transaction"] = User.objects.count()
    User.objects.create(email="second@example.com")
out["after"] = User.objects.count()
out["explicit"] = User.objects.using(read_db()).count()


@use_replica()
def dashboard():
    return User.objects.count()


out["decorated"] = dashboard()
print(json.dumps(out))
"""


def run_script(env: dict[str, str]) -> dict[str, object]:
    done = subprocess.run(
        [PYTHON, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_reads_go_to_the_replica_only_where_asked(new_pg_database: Callable[[], str], tmp_path: Path) -> None:
    primary, replica = new_pg_database(), new_pg_database()
    for url in (primary, replica):
        manage("migrate", "--noinput", env=process_env(tmp_path, DATABASE_URL=url))
    env = process_env(
        tmp_path, DATABASE_URL=primary, DATABASE_REPLICA_URL=replica, DJANGO_SETTINGS_MODULE="himig.settings"
    )
    assert run_script(env) == {
        "read_db": "replica",
        "outside": 1,
        "inside": 0,  # the (empty) replica
        "inside_transaction": 1,  # a transaction on the primary must see its own rows
        "after": 2,  # the write inside use_replica() went to the primary
        "explicit": 0,
        "decorated": 0,
    }


def test_without_a_replica_everything_reads_the_primary(pg_url: str, tmp_path: Path) -> None:
    manage("migrate", "--noinput", env=process_env(tmp_path, DATABASE_URL=pg_url))
    env = process_env(tmp_path, DATABASE_URL=pg_url, DJANGO_SETTINGS_MODULE="himig.settings")
    result = run_script(env)
    assert result["read_db"] == "default"
    assert result["inside"] == result["outside"] == 1
    assert result["after"] == result["decorated"] == 2
