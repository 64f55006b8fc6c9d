"""Load on loopback: simulated people browsing, polling and generating, against a whole Himig.

Starts its own deployment on fresh data — web (``manage.py run --no-worker``:
gunicorn with threads) plus N generation workers as separate processes — seeds
one account (API key + session) per simulated user with 20 finished tracks, then
runs the users for ``--duration`` seconds. Each user, with about a second of
think time between requests: lists the library (API and HTML page), opens a
track, and generates at the seed's rate limit (10 per 15 minutes, i.e. about
every 90 s), polling each of its generations until it is ready. After the run,
the workers drain the queue (bounded by ``--drain``).

    .venv/bin/python bench/load.py --setup scale      # PostgreSQL + Redis (RQ) + 2 workers
    .venv/bin/python bench/load.py --setup embedded   # SQLite + database queue + 2 workers

Prints p50/p95/p99 per endpoint, errors, generation success, queue wait
(created → started) p95, and CPU seconds per component. The PostgreSQL and Redis
servers are the machine's shared ones, so their CPU figures include anything
else they served meanwhile.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
PG_ADMIN_URL = os.environ.get("HIMIG_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")
REDIS_BENCH_URL = os.environ.get("HIMIG_BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")

SEED = """
import django, json, sys
django.setup()
from datetime import timedelta
from importlib import import_module
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.utils import timezone
from himig.accounts.models import User
from himig.api.services import create_api_key
from himig.studio.models import Track
store = import_module(settings.SESSION_ENGINE).SessionStore
now = timezone.now()
people = []
for n in range(int(sys.argv[1])):
    user = User.objects.create_user(f"load{n}@example.com", "a-long-password-1")
    tracks = Track.objects.bulk_create([
        Track(user=user, title=f"Seed {i}", prompt=f"seed track {i} with piano", genre="Ambient", mood="Calm",
              duration=30, seed=i, status="ready", stage="ready", progress=1.0,
              files={"mp3": f"tracks/seed/{n}/{i}.mp3"}, created_at=now - timedelta(minutes=i),
              finished_at=now - timedelta(minutes=i))
        for i in range(20)
    ])
    session = store()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    people.append({"key": create_api_key(user, "load")[1], "session": session.session_key,
                   "tracks": [str(t.pk) for t in tracks]})
print("PEOPLE", json.dumps(people))
"""

OUTCOME = """
import django, json
django.setup()
from himig.studio.models import Track
rows = []
for t in Track.objects.exclude(prompt__startswith="seed track"):
    rows.append({"status": t.status, "error": t.error,
                 "wait": (t.started_at - t.created_at).total_seconds() if t.started_at else None,
                 "ms": t.generation_ms})
print("OUTCOME", json.dumps(rows))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def tree_cpu_seconds(pid: int) -> float:
    """utime + stime of a process and its descendants still alive (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total, stack = 0.0, [pid]
    while stack:
        current = stack.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{current}/task").iterdir():
                stack += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def named_cpu_seconds(name: str) -> float:
    """CPU of every process called ``name`` (the shared PostgreSQL / Redis servers)."""
    tick, total = os.sysconf("SC_CLK_TCK"), 0.0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
        except OSError:
            continue
        if stat.split("(", 1)[1].rsplit(")", 1)[0].startswith(name):
            fields = stat.rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.timings: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.samples: list[str] = []

    def record(self, name: str, ms: float, ok: bool, detail: str = "") -> None:
        with self.lock:
            self.timings[name].append(ms)
            if not ok:
                self.errors[name] += 1
                if len(self.samples) < 10:
                    self.samples.append(f"{name}: {detail}")


class SimulatedUser(threading.Thread):
    def __init__(self, port: int, person: dict, until: float, rec: Recorder, gen_every: float, seed: int) -> None:
        super().__init__(daemon=True)
        self.port, self.person, self.until, self.rec = port, person, until, rec
        self.gen_every = gen_every
        self.random = random.Random(seed)
        self.pending: list[str] = []
        self.conn: http.client.HTTPConnection | None = None

    def call(self, name: str, method: str, path: str, *, api: bool = True, body: dict | None = None,
             expect: tuple[int, ...] = (200,)) -> dict | None:
        headers = {"Accept-Encoding": "gzip"}
        if api:
            headers["Authorization"] = f"Bearer {self.person['key']}"
        else:
            headers["Cookie"] = f"sessionid={self.person['session']}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        try:
            try:
                reused = self.conn is not None
                if self.conn is None:
                    self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                self.conn.request(method, path, body=data, headers=headers)
                response = self.conn.getresponse()
            except (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected):
                # The server closed an idle keep-alive connection just as we reused it:
                # nothing was processed, so send again on a new one, as browsers do.
                if not reused:
                    raise
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                self.conn.request(method, path, body=data, headers=headers)
                response = self.conn.getresponse()
            payload = response.read()
            ok = response.status in expect
            self.rec.record(name, (time.perf_counter() - started) * 1000, ok, f"{response.status}")
            if ok and api and payload:
                gzipped = response.getheader("Content-Encoding") == "gzip"
                return json.loads(gzip.decompress(payload) if gzipped else payload)
        except (OSError, http.client.HTTPException) as exc:
            self.rec.record(name, (time.perf_counter() - started) * 1000, False, repr(exc))
            self.conn = None
        return None

    def run(self) -> None:
        next_generation = time.monotonic() + self.random.uniform(0, self.gen_every)
        while time.monotonic() < self.until:
            if time.monotonic() >= next_generation:
                next_generation += self.gen_every
                made = self.call(
                    "POST /api/generate", "POST", "/api/generate", expect=(200, 202),
                    body={"prompt": self.random.choice(["calm piano for studying", "upbeat synth pop",
                                                        "dark cinematic strings"]), "duration": 15},
                )
                if made:
                    self.pending.append(made["id"])
            elif self.pending and self.random.random() < 0.5:
                track_id = self.pending[0]
                out = self.call("GET /api/tracks/{id} (poll)", "GET", f"/api/tracks/{track_id}")
                if out and out.get("status") in ("ready", "failed"):
                    self.pending.pop(0)
            else:
                choice = self.random.random()
                if choice < 0.4:
                    self.call("GET /api/tracks", "GET", "/api/tracks?limit=20")
                elif choice < 0.7:
                    self.call("GET /library/ (HTML)", "GET", "/library/", api=False)
                else:
                    track_id = self.random.choice(self.person["tracks"])
                    self.call("GET /api/tracks/{id}", "GET", f"/api/tracks/{track_id}")
            time.sleep(self.random.uniform(0.5, 1.5))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--setup", choices=["scale", "embedded"], default="scale")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=180.0, help="seconds of load (default 180)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--generate-every", type=float, default=90.0,
                        help="seconds between one user's generations (default 90: 10 per 15 min)")
    parser.add_argument("--drain", type=float, default=900.0, help="longest wait for the queue to empty after")
    args = parser.parse_args()
    if not 1 <= args.users <= 200 or not 10 <= args.duration <= 900:
        raise SystemExit("bounded on purpose: 1–200 users, 10–900 s")

    data_dir = Path(tempfile.mkdtemp(prefix="himig-load-"))
    env = {**os.environ, "HIMIG_DATA_DIR": str(data_dir), "HIMIG_SECRET_KEY": "load-bench",
           "HIMIG_STATIC_MANIFEST": "0", "PYTHONUNBUFFERED": "1", "DJANGO_SETTINGS_MODULE": "himig.settings",
           # The API's write limit (100 per 15 min) is above what this load sends; generation stays at 10/15 min.
           "HIMIG_LOG_LEVEL": "WARNING"}
    for name in ("DATABASE_URL", "REDIS_URL", "HIMIG_TASKS_BACKEND"):
        env.pop(name, None)
    pg_name = ""
    if args.setup == "scale":
        import psycopg
        import redis

        pg_name = f"himig_load_{secrets.token_hex(4)}"
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{pg_name}"')
        parts = urlsplit(PG_ADMIN_URL)
        env["DATABASE_URL"] = urlunsplit((parts.scheme, parts.netloc, "/" + pg_name, "", ""))
        redis.Redis.from_url(REDIS_BENCH_URL).flushdb()
        env.update(REDIS_URL=REDIS_BENCH_URL, HIMIG_TASKS_BACKEND="rq", HIMIG_CACHE_PREFIX="load")

    manage = [PYTHON, str(ROOT / "manage.py")]
    procs: list[subprocess.Popen[bytes]] = []
    try:
        subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
        subprocess.run([*manage, "createcachetable"], cwd=ROOT, env=env, check=True)
        seeded = subprocess.run([PYTHON, "-c", SEED, str(args.users)], cwd=ROOT, env=env, check=True,
                                capture_output=True, text=True).stdout
        people = json.loads(next(line for line in seeded.splitlines() if line.startswith("PEOPLE"))[7:])

        port = free_port()
        log = open(data_dir / "server.log", "ab")  # noqa: SIM115 - closed at exit
        web = subprocess.Popen([*manage, "run", "--no-worker", "--port", str(port), "--web-workers",
                                str(args.web_workers)], cwd=ROOT, env=env, stdout=log, stderr=log,
                               start_new_session=True)
        procs.append(web)
        worker_cmd = ["rqworker", "cpu"] if args.setup == "scale" else ["generation_worker", "--queue-name", "cpu"]
        workers = [subprocess.Popen([*manage, *worker_cmd], cwd=ROOT, env=env, stdout=log, stderr=log,
                                    start_new_session=True) for _ in range(args.workers)]
        procs += workers
        deadline = time.monotonic() + 120
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/api/health")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or web.poll() is not None:
                raise SystemExit(f"server did not start; see {data_dir / 'server.log'}")
            time.sleep(0.5)
        time.sleep(10)  # let the workers warm their engines before the clock starts

        cpu_before = {"web": tree_cpu_seconds(web.pid), "workers": sum(tree_cpu_seconds(w.pid) for w in workers),
                      "postgres": named_cpu_seconds("postgres"), "redis": named_cpu_seconds("redis-server")}
        rec = Recorder()
        started = time.monotonic()
        until = started + args.duration
        users = [SimulatedUser(port, person, until, rec, args.generate_every, n) for n, person in enumerate(people)]
        for user in users:
            user.start()
        for user in users:
            user.join()
        load_s = time.monotonic() - started
        cpu_load = {"web": tree_cpu_seconds(web.pid) - cpu_before["web"],
                    "workers": sum(tree_cpu_seconds(w.pid) for w in workers) - cpu_before["workers"],
                    "postgres": named_cpu_seconds("postgres") - cpu_before["postgres"],
                    "redis": named_cpu_seconds("redis-server") - cpu_before["redis"]}

        # Drain: every requested generation must end.
        drain_started = time.monotonic()
        while True:
            out = subprocess.run([PYTHON, "-c", OUTCOME], cwd=ROOT, env=env, check=True, capture_output=True,
                                 text=True).stdout
            rows = json.loads(next(line for line in out.splitlines() if line.startswith("OUTCOME"))[8:])
            if all(r["status"] in ("ready", "failed") for r in rows) or time.monotonic() - drain_started > args.drain:
                break
            time.sleep(3)
        drain_s = time.monotonic() - drain_started

        total = sum(len(v) for v in rec.timings.values())
        print(f"\nHimig under load — setup={args.setup}, {args.users} users, {args.duration:.0f} s, "
              f"{args.workers} workers, {args.web_workers} web processes × 8 threads, {os.cpu_count()} CPUs")
        print(f"{total} requests in {load_s:.0f} s ({total / load_s:.1f}/s), "
              f"errors {sum(rec.errors.values())}")
        print(f"{'endpoint':32} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
        for name in sorted(rec.timings):
            values = rec.timings[name]
            print(f"{name:32} {len(values):6d} {percentile(values, 50):8.1f} {percentile(values, 95):8.1f} "
                  f"{percentile(values, 99):8.1f} {rec.errors.get(name, 0):7d}")
        for sample in rec.samples:
            print("  error:", sample)
        ready = sum(r["status"] == "ready" for r in rows)
        waits = [r["wait"] for r in rows if r["wait"] is not None]
        print(f"generations: {len(rows)} requested, {ready} ready, "
              f"{sum(r['status'] == 'failed' for r in rows)} failed, "
              f"{sum(r['status'] not in ('ready', 'failed') for r in rows)} unfinished after a {drain_s:.0f} s drain "
              f"→ success {100 * ready / max(1, len(rows)):.0f}%")
        if waits:
            print(f"queue wait (created → started): p50 {percentile(waits, 50):.1f} s, p95 {percentile(waits, 95):.1f} s")
        gen_ms = [r["ms"] for r in rows if r["ms"]]
        if gen_ms:
            print(f"generation time: p50 {percentile(gen_ms, 50) / 1000:.1f} s, p95 {percentile(gen_ms, 95) / 1000:.1f} s")
        print("CPU seconds during the load window: " + ", ".join(f"{k} {v:.1f}" for k, v in cpu_load.items())
              + f" (of {load_s * (os.cpu_count() or 1):.0f} available)")
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        if pg_name:
            import psycopg

            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
