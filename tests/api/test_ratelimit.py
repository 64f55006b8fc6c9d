from __future__ import annotations

import time

import pytest
from django.test import override_settings

from himig import ratelimit
from himig.api.models import RateCounter
from himig.ops.models import Event

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "rl-tests"}}


def test_it_counts_in_the_database_with_the_default_cache(db) -> None:
    for n in range(3):
        limit = ratelimit.hit("t", "u1", 3, 60)
        assert limit.allowed and limit.remaining == 2 - n
    refused = ratelimit.hit("t", "u1", 3, 60)
    assert not refused.allowed and refused.remaining == 0
    assert RateCounter.objects.get().count == 4
    assert refused.headers()["Retry-After"] == str(refused.retry_after)


def test_callers_and_scopes_are_counted_apart(db) -> None:
    ratelimit.hit("t", "a", 1, 60)
    assert ratelimit.hit("t", "b", 1, 60).allowed
    assert ratelimit.hit("other", "a", 1, 60).allowed
    assert not ratelimit.hit("t", "a", 1, 60).allowed


def test_a_new_window_starts_fresh_and_drops_finished_ones(db, monkeypatch) -> None:
    now = time.time()
    monkeypatch.setattr(ratelimit.time, "time", lambda: now - 120)
    assert not ratelimit.hit("t", "u", 0, 60).allowed
    monkeypatch.setattr(ratelimit.time, "time", lambda: now)
    assert ratelimit.hit("t", "u", 1, 60).allowed
    assert RateCounter.objects.count() == 1  # the finished window's row is gone


def test_headers_describe_the_window(db) -> None:
    limit = ratelimit.hit("t", "u", 10, 900)
    headers = limit.headers()
    assert headers["X-RateLimit-Limit"] == "10"
    assert headers["X-RateLimit-Remaining"] == "9"
    assert int(headers["X-RateLimit-Reset"]) % 900 == 0
    assert "Retry-After" not in headers


@pytest.mark.django_db(transaction=True)
def test_each_refusal_is_an_event() -> None:
    ratelimit.hit("t", "u", 0, 60)
    ratelimit.hit("t", "u", 0, 60)
    assert Event.objects.filter(name="rate_limit_hit", properties__scope="t").count() == 2


@override_settings(CACHES=LOCMEM)
def test_with_an_atomic_cache_it_counts_in_the_cache(db) -> None:
    from django.core.cache import cache

    cache.clear()
    assert ratelimit.hit("t", "c", 1, 60).allowed
    assert not ratelimit.hit("t", "c", 1, 60).allowed
    assert not RateCounter.objects.exists()


WORKER = """
import django
django.setup()
from himig import ratelimit
for _ in range({hits}):
    ratelimit.hit("race", "one-user", 10**6, 3600)
"""


@pytest.mark.slow
def test_counting_holds_across_processes(tmp_path) -> None:
    """Four processes hammer one counter in a real SQLite file: not one increment may be lost."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "HIMIG_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "himig.settings"}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "api", "-v0"], cwd=root, env=env, check=True)
    hits, workers = 60, 4
    procs = [
        subprocess.Popen([sys.executable, "-c", WORKER.format(hits=hits)], cwd=root, env=env)
        for _ in range(workers)
    ]
    assert all(p.wait(timeout=120) == 0 for p in procs)
    import sqlite3

    with sqlite3.connect(tmp_path / "himig.sqlite3") as db:
        (total,) = db.execute("SELECT SUM(count) FROM api_ratecounter WHERE key LIKE 'rl:race:%'").fetchone()
    assert total == hits * workers
