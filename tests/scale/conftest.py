"""Fixtures for the scale-out proofs: real PostgreSQL, Redis and a local S3 server.

Each service-backed test skips with the reason when the service does not answer,
except in CI (HIMIG_REQUIRE_SERVICES=1), where an absent service is a failure.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
PG_ADMIN_URL = os.environ.get("HIMIG_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")
# A Redis database number of its own: the RQ tests flush it.
REDIS_TEST_URL = os.environ.get("HIMIG_TEST_REDIS_URL", "redis://127.0.0.1:6379/11")


def need(service: str, reason: str) -> None:
    """Skip (locally) or fail (CI) because ``service`` is not there."""
    if os.environ.get("HIMIG_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{service} is required here (HIMIG_REQUIRE_SERVICES=1): {reason}")
    pytest.skip(f"{service} not available: {reason}")


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


@pytest.fixture
def new_pg_database() -> Iterator[Callable[[], str]]:
    """Factory: each call creates a fresh, empty PostgreSQL database; all are dropped afterwards."""
    import psycopg
    from psycopg import sql

    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        need("PostgreSQL", str(exc).strip())
    created: list[str] = []

    def create() -> str:
        name = f"himig_scale_{secrets.token_hex(4)}"
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        created.append(name)
        return with_database(PG_ADMIN_URL, name)

    with admin:
        try:
            yield create
        finally:
            for name in created:
                # FORCE: a worker killed by a test may still hold a connection.
                admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def pg_url(new_pg_database: Callable[[], str]) -> str:
    """A fresh, empty PostgreSQL database for this test."""
    return new_pg_database()


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A Redis database of our own, emptied before and after the test."""
    import redis

    client = redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError as exc:
        need("Redis", f"{REDIS_TEST_URL}: {exc}")
    client.flushdb()
    try:
        yield REDIS_TEST_URL
    finally:
        client.flushdb()
        client.close()


@pytest.fixture
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server on a free loopback port, for the life of one test."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def make_bucket(endpoint: str, bucket: str) -> None:
    import boto3

    boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="himig-test",
        aws_secret_access_key="himig-test-secret",
        region_name="us-east-1",
    ).create_bucket(Bucket=bucket)


def s3_env(endpoint: str, bucket: str) -> dict[str, str]:
    return {
        "HIMIG_S3_BUCKET": bucket,
        "HIMIG_S3_ENDPOINT_URL": endpoint,
        "HIMIG_S3_ACCESS_KEY_ID": "himig-test",
        "HIMIG_S3_SECRET_ACCESS_KEY": "himig-test-secret",
        "HIMIG_S3_REGION": "us-east-1",
    }


def settings_from_env(monkeypatch: pytest.MonkeyPatch, **env: str) -> ModuleType:
    """Evaluate himig/settings.py afresh under ``env``: what a process started so would get.

    Tests then apply the resulting values with override_settings, so they check
    that environment variables alone select the configuration.
    """
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    spec = importlib.util.spec_from_file_location("himig_settings_probe", ROOT / "himig" / "settings.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def process_env(data_dir: Path, **overrides: str) -> dict[str, str]:
    """Environment for a manage.py subprocess: this one, minus our service choices, plus ``overrides``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "DATABASE_REPLICA_URL", "REDIS_URL", "HIMIG_TASKS_BACKEND"}
        and not k.startswith("HIMIG_S3_")
    }
    env.update({"HIMIG_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"})
    env.update(overrides)
    return env


def manage(*args: str, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run one manage.py command to completion; raise with its output if it fails."""
    done = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    if done.returncode != 0:
        raise AssertionError(
            f"manage.py {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
        )
    return done
