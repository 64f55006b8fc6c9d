"""With REDIS_URL set, the cache (rate limits, sessions) is Redis, shared by every process."""

from __future__ import annotations

import json
import secrets
import subprocess
from pathlib import Path

import pytest

from tests.scale.conftest import PYTHON, ROOT, process_env, settings_from_env

pytestmark = pytest.mark.redis

# One process counting against a limit, as a web worker would; prints what it was allowed.
HAMMER = """
import json, django
django.setup()
from himig.ratelimit import hit
allowed = sum(hit("scale-test", "someone", limit=50, window_s=900).allowed for _ in range(40))
print(json.dumps({"allowed": allowed}))
"""


def test_two_processes_share_one_rate_limit_counter(redis_url: str, tmp_path: Path) -> None:
    env = process_env(
        tmp_path,
        REDIS_URL=redis_url,
        HIMIG_CACHE_PREFIX=f"t{secrets.token_hex(4)}",
        DJANGO_SETTINGS_MODULE="himig.settings",
    )
    procs = [
        subprocess.Popen(
            [PYTHON, "-c", HAMMER],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    allowed = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        allowed.append(json.loads(out.strip().splitlines()[-1])["allowed"])
    # 80 attempts against a limit of 50: exactly 50 pass in all, however they interleave.
    assert sum(allowed) == 50, allowed


def test_redis_url_selects_the_redis_cache_and_sessions(
    monkeypatch: pytest.MonkeyPatch, redis_url: str
) -> None:
    probe = settings_from_env(monkeypatch, REDIS_URL=redis_url)
    assert probe.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert probe.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db"
    monkeypatch.delenv("REDIS_URL")
    embedded = settings_from_env(monkeypatch)
    assert embedded.CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
