"""Time from clicking Generate to a playable track, through the real web + worker stack.

Starts ``manage.py run`` (gunicorn + generation worker) on a fresh data directory,
signs a person in, then for each duration: POSTs the Generate form (the click),
polls the track's status every 500 ms as the page does, and stops the clock when the
first bytes of the MP3 arrive (the player can start). Prints one row per track.

    .venv/bin/python bench/time_to_playable.py [--durations 30 120] [--repeat 2]
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--durations", type=int, nargs="+", default=[30, 120])
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="himig-bench-"))
    port = free_port()
    env = {**os.environ, "HIMIG_DATA_DIR": str(data_dir), "HIMIG_STATIC_MANIFEST": "0", "PYTHONUNBUFFERED": "1",
           "HIMIG_RATE_GENERATE": "1000"}
    manage = [sys.executable, str(ROOT / "manage.py")]
    for step in (["migrate", "-v", "0"], ["createcachetable"]):
        subprocess.run([*manage, *step], env=env, check=True, cwd=ROOT)
    code = (
        "from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY\n"
        "from django.contrib.sessions.backends.db import SessionStore\n"
        "from himig.accounts.models import Preferences, User\n"
        "u = User.objects.create_user('bench@example.com', 'bench-password-1')\n"
        "Preferences.objects.update_or_create(user=u, defaults={'completed_setup': True})\n"
        "s = SessionStore(); s[SESSION_KEY] = str(u.pk)\n"
        "s[BACKEND_SESSION_KEY] = 'django.contrib.auth.backends.ModelBackend'\n"
        "s[HASH_SESSION_KEY] = u.get_session_auth_hash(); s.create(); print('SESSION', s.session_key)\n"
    )
    out = subprocess.run([*manage, "shell", "-c", code], env=env, check=True, cwd=ROOT, capture_output=True, text=True)
    session = re.search(r"SESSION (\S+)", out.stdout).group(1)  # type: ignore[union-attr]

    log = open(data_dir / "run.log", "wb")  # noqa: SIM115 - closed at exit
    server = subprocess.Popen([*manage, "run", "--port", str(port)], env=env, cwd=ROOT, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    try:
        for _ in range(120):
            try:
                opener.open(f"{base}/api/health", timeout=2)
                if b"Starting worker" in (data_dir / "run.log").read_bytes():
                    break
            except OSError:
                pass
            time.sleep(0.5)
        jar.set_cookie(http.cookiejar.Cookie(0, "sessionid", session, None, False, "127.0.0.1", False, False, "/",
                                             True, False, None, False, None, None, {}))
        html = opener.open(f"{base}/generate/").read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
        results: dict[int, list[float]] = {}
        for duration in args.durations:
            for i in range(args.repeat):
                form = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "prompt": f"warm acoustic guitar and piano for a cooking video {i}",
                                               "genre": "auto", "mood": "auto", "duration": duration}).encode()
                started = time.perf_counter()
                request = urllib.request.Request(f"{base}/generate/", data=form, headers={"Referer": f"{base}/generate/"})
                try:
                    opener.open(request)
                    raise SystemExit("Generate did not redirect")
                except urllib.error.HTTPError as exc:
                    location = exc.headers["Location"]
                track_id = location.strip("/").split("/")[-1]
                while True:
                    status = json.loads(opener.open(f"{base}/tracks/{track_id}/status").read())
                    if status["status"] in ("ready", "failed"):
                        break
                    time.sleep(0.5)
                if status["status"] != "ready":
                    raise SystemExit(f"track failed: {status['error']}")
                first = urllib.request.Request(f"{base}/tracks/{track_id}/files/mp3", headers={"Range": "bytes=0-65535"})
                opener.open(first).read()
                elapsed = time.perf_counter() - started
                results.setdefault(duration, []).append(elapsed)
                print(f"{duration:>4} s track: playable after {elapsed:5.2f} s (worker generation_ms={status['generation_ms']})",
                      flush=True)
        for duration, times in results.items():
            print(f"{duration:>4} s: median {statistics.median(times):.2f} s over {len(times)} (min {min(times):.2f}, max {max(times):.2f})")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        log.close()


if __name__ == "__main__":
    main()
