"""A live Himig (`manage.py run`: web + real worker) and the system Chromium, for tests and bench.

Shared by the browser suite's conftest and bench/browser_perf.py so both start the
server the same way: a free loopback port, its own data directory, migrations,
collected static files, fake Google/GitHub endpoints when given.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("HIMIG_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]
PASSWORD = "a-long-Passphrase-42"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    data_dir: Path
    env: dict[str, str]
    proc: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def mail_dir(self) -> Path:
        return self.data_dir / "mail"

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True
        )
        if done.returncode:
            raise RuntimeError(f"manage.py {args[0]} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def shell(self, code: str) -> str:
        return self.manage("shell", "-c", code)

    def create_user(self, email: str, *, staff: bool = False, password: str = PASSWORD, name: str = "") -> None:
        """An account with a verified address and profile setup done, ready to sign in."""
        self.shell(
            "from allauth.account.models import EmailAddress\n"
            "from himig.accounts.models import Preferences, User\n"
            f"u = User.objects.create_user(email={email!r}, password={password!r}, display_name={name!r},"
            f" is_staff={staff!r})\n"
            f"EmailAddress.objects.create(user=u, email={email!r}, verified=True, primary=True)\n"
            "Preferences.objects.update_or_create(user=u, defaults={'completed_setup': True})\n"
        )

    def clone_track(self, track_id: str, count: int, public: bool = False) -> None:
        """`count` more ready tracks for the owner of `track_id`, sharing its files (a big library, fast)."""
        self.shell(
            "from himig.studio.models import Track\n"
            f"t = Track.objects.get(pk={track_id!r})\n"
            "Track.objects.bulk_create([Track(user=t.user, title=f'{t.title} take {i + 2}', prompt=t.prompt,"
            " genre=t.genre, mood=t.mood, duration=t.duration, seed=i, status='ready', stage='ready', progress=1,"
            " files=t.files, metadata=t.metadata, delivered=t.delivered, engine_name=t.engine_name,"
            f" generation_ms=t.generation_ms, is_favorite=(i % 7 == 0)) for i in range({count})])"
        )

    def start(self) -> LiveServer:
        self.manage("migrate", "--noinput")
        self.manage("createcachetable")
        self.manage("collectstatic", "--noinput", "-v", "0")
        log = open(self.data_dir / "server.log", "w")  # noqa: SIM115 - the server's stdout for its lifetime
        port = self.url.rsplit(":", 1)[1]
        self.proc = subprocess.Popen(
            [sys.executable, "manage.py", "run", "--port", port],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        log.close()  # the child holds its own descriptor
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/api/health", timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"server did not start:\n{(self.data_dir / 'server.log').read_text()[-4000:]}")
            time.sleep(0.3)

    def stop(self) -> None:
        """SIGINT to the whole process group (web and worker), then SIGKILL if it lingers."""
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGINT)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)


def new_server(extra_env: dict[str, str] | None = None, prefix: str = "himig-e2e-") -> LiveServer:
    """A server description on a free port with a fresh data directory (call .start())."""
    data_dir = Path(tempfile.mkdtemp(prefix=prefix))
    port = free_port()
    env = {
        **os.environ,
        "HIMIG_DATA_DIR": str(data_dir),
        "PORT": str(port),
        "HIMIG_SITE_URL": f"http://127.0.0.1:{port}",
        "PYTHONUNBUFFERED": "1",
        **(extra_env or {}),
    }
    for name in ("DATABASE_URL", "REDIS_URL", "HIMIG_TASKS_BACKEND", "HIMIG_S3_BUCKET"):
        env.pop(name, None)
    return LiveServer(url=f"http://127.0.0.1:{port}", data_dir=data_dir, env=env)


def sign_in(page, email: str, password: str = PASSWORD) -> None:  # type: ignore[no-untyped-def]
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("#main").get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/accounts/login" not in url)


# Chromium's own entries: the last LCP candidate, the sum of layout shifts without recent
# input, and bytes on the wire for the document and every resource except audio files.
PERF_SCRIPT = """
async () => {
  const lcp = await new Promise(resolve => {
    new PerformanceObserver(list => {
      const entries = list.getEntries();
      resolve(entries[entries.length - 1].startTime);
    }).observe({type: 'largest-contentful-paint', buffered: true});
    setTimeout(() => resolve(null), 3000);
  });
  let cls = 0;
  for (const e of performance.getEntriesByType('layout-shift')) if (!e.hadRecentInput) cls += e.value;
  const nav = performance.getEntriesByType('navigation')[0];
  let bytes = nav ? nav.transferSize : 0;
  const resources = [];
  for (const r of performance.getEntriesByType('resource')) {
    if (r.initiatorType === 'audio' || /\\.(mp3|wav|ogg|flac)(\\?|$)|\\/files\\//.test(r.name)) continue;
    bytes += r.transferSize;
    resources.push([r.name, r.transferSize, Math.round(r.responseEnd)]);
  }
  const paint = performance.getEntriesByName('first-contentful-paint')[0];
  return {lcp_ms: lcp, fcp_ms: paint ? paint.startTime : null, ttfb_ms: nav ? nav.responseStart : null, cls, bytes,
          html_bytes: nav ? nav.transferSize : 0, resources};
}
"""
