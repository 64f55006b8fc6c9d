"""API latency on loopback: p50/p95 of GET /api/tracks, GET /api/health and POST /api/generate.

By default this starts its own Himig exactly as ``make run`` does (``manage.py run``,
gunicorn with threads) on a fresh embedded data directory (SQLite, database cache),
without the generation worker so "generate" measures the enqueue alone, and with the
rate limits raised so the bench is not refused. It seeds a user with 1,000 tracks
and an API key, then measures from this separate process over one keep-alive
connection, as an API client would.

    .venv/bin/python bench/api_latency.py                 # own server, default counts
    .venv/bin/python bench/api_latency.py --url http://127.0.0.1:8000 --key "$KEY"
        # against a server you started (its generate limit must allow the requests)

Target on the embedded default: p95 < 50 ms for the reads, < 100 ms for the enqueue.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable

SEED = """
import django, random
django.setup()
from django.utils import timezone
from datetime import timedelta
from himig.accounts.models import User
from himig.api.services import create_api_key
from himig.studio.models import Track
user = User.objects.create_user("bench@example.com")
now = timezone.now()
genres = ["Pop", "Rock", "Jazz", "Ambient", "Cinematic", "Folk"]
moods = ["Happy", "Calm", "Epic", "Dark"]
Track.objects.bulk_create([
    Track(user=user, title=f"Bench track {i}", prompt=f"bench track {i} with piano and strings",
          genre=genres[i % 6], mood=moods[i % 4], duration=30, seed=i, status="ready", stage="ready",
          progress=1.0, files={"mp3": f"tracks/x/{i}/track.mp3", "flac": f"tracks/x/{i}/track.flac"},
          created_at=now - timedelta(minutes=i), finished_at=now - timedelta(minutes=i))
    for i in range(1000)
], batch_size=500)
print(create_api_key(user, "bench")[1])
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def measure(conn: http.client.HTTPConnection, method: str, path: str, count: int, *, headers: dict[str, str],
            body: bytes | None = None, expect: tuple[int, ...] = (200,)) -> list[float]:
    timings: list[float] = []
    for _ in range(count):
        started = time.perf_counter()
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        timings.append((time.perf_counter() - started) * 1000)
        if response.status not in expect:
            raise SystemExit(f"{method} {path} answered {response.status}, expected {expect}")
    return timings


def cpu_seconds(root_pid: int | None) -> float:
    """CPU time (user + system) used so far by ``root_pid`` and its descendants (Linux /proc)."""
    if root_pid is None or not Path("/proc").exists():
        return float("nan")
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    used: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(stat.parent.name)
        parents[pid] = int(fields[1])
        used[pid] = (int(fields[11]) + int(fields[12])) / tick
    tree, frontier = {root_pid}, [root_pid]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier += children
    return sum(used.get(pid, 0.0) for pid in tree)


def wait_until_up(host: str, port: int, timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection(host, port, timeout=2)
            conn.request("GET", "/api/health")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("the server did not come up")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="measure this running server instead of starting one")
    parser.add_argument("--key", help="API key for --url (its user should have 1,000 tracks)")
    parser.add_argument("--reads", type=int, default=300, help="requests per read endpoint")
    parser.add_argument("--writes", type=int, default=150, help="POST /api/generate requests")
    args = parser.parse_args()

    server: subprocess.Popen[bytes] | None = None
    tmp = None
    if args.url:
        if not args.key:
            raise SystemExit("--url needs --key")
        parts = urlsplit(args.url)
        host, port, key = parts.hostname or "127.0.0.1", parts.port or 80, args.key
    else:
        tmp = tempfile.TemporaryDirectory(prefix="himig-bench-")
        host, port = "127.0.0.1", free_port()
        env = {
            **os.environ, "HIMIG_DATA_DIR": tmp.name, "HIMIG_STATIC_MANIFEST": "0",
            "HIMIG_RATE_GENERATE": "1000000", "HIMIG_RATE_API_WRITES": "1000000",
            "DJANGO_SETTINGS_MODULE": "himig.settings",
        }
        for name in ("DATABASE_URL", "REDIS_URL"):
            env.pop(name, None)
        manage = [PYTHON, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
        subprocess.run([*manage, "createcachetable"], cwd=ROOT, env=env, check=True)
        key = subprocess.run([PYTHON, "-c", SEED], cwd=ROOT, env=env, check=True, capture_output=True,
                             text=True).stdout.strip().splitlines()[-1]
        server = subprocess.Popen([*manage, "run", "--no-worker", "--port", str(port)], cwd=ROOT, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_up(host, port)
        conn = http.client.HTTPConnection(host, port, timeout=30)
        auth = {"Authorization": f"Bearer {key}"}
        body = json.dumps({"prompt": "test", "genre": "Pop", "mood": "Happy", "duration": 30}).encode()
        post = {**auth, "Content-Type": "application/json"}
        # Warm-up: first requests pay imports, connections and caches.
        measure(conn, "GET", "/api/tracks", 20, headers=auth)
        measure(conn, "GET", "/api/health", 20, headers={})
        measure(conn, "POST", "/api/generate", 5, headers=post, body=body, expect=(202,))
        server_pid = server.pid if server is not None else None
        runs = [
            ("GET /api/tracks (1,000 tracks, page of 20)", "GET", "/api/tracks", args.reads, auth, None, (200,)),
            ("GET /api/health", "GET", "/api/health", args.reads, {}, None, (200,)),
            ("POST /api/generate (enqueue)", "POST", "/api/generate", args.writes, post, body, (202,)),
        ]
        results: dict[str, list[float]] = {}
        cpu_ms: dict[str, float] = {}
        for name, method, path, count, headers, payload, expect in runs:
            before = cpu_seconds(server_pid)
            results[name] = measure(conn, method, path, count, headers=headers, body=payload, expect=expect)
            # Server CPU per request: what a request costs, whatever else the machine is doing.
            cpu_ms[name] = (cpu_seconds(server_pid) - before) * 1000 / count
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if tmp is not None:
            tmp.cleanup()

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"API latency on loopback, {os.cpu_count()} CPUs (load average {load:.1f}), one keep-alive client "
          f"({'--url' if args.url else 'manage.py run'})")
    print(f"{'endpoint':46} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'mean ms':>8} {'server CPU ms':>14}")
    for name, values in results.items():
        print(f"{name:46} {len(values):5d} {percentile(values, 50):8.1f} {percentile(values, 95):8.1f} "
              f"{percentile(values, 99):8.1f} {statistics.fmean(values):8.1f} {cpu_ms[name]:14.1f}")


if __name__ == "__main__":
    main()
