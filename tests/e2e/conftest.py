"""The browser suite: Playwright driving the system Chromium against a live `manage.py run`.

A session-wide server (web + real generation worker) runs on a free loopback port with
its own data directory. Chromium is Debian's package, launched through its executable;
no browser is ever downloaded. Locally the suite skips with a reason when Chromium is
absent; in CI (HIMIG_REQUIRE_SERVICES=1) that is a failure.
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
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.fake_providers import FakeProviders

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("HIMIG_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(os.environ.get("HIMIG_TEST_ARTIFACTS", ROOT / "test-artifacts"))
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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


def _require_or_skip(reason: str) -> None:
    if os.environ.get("HIMIG_REQUIRE_SERVICES") == "1":
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    data_dir: Path
    env: dict[str, str]

    @property
    def mail_dir(self) -> Path:
        return self.data_dir / "mail"

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, check=True
        )
        return done.stdout


@pytest.fixture(scope="session")
def fake_providers() -> Iterator[FakeProviders]:
    providers = FakeProviders()
    providers.start()
    yield providers
    providers.stop()


@pytest.fixture(scope="session")
def himig_server(fake_providers: FakeProviders) -> Iterator[LiveServer]:
    data_dir = Path(tempfile.mkdtemp(prefix="himig-e2e-"))
    port = _free_port()
    env = {
        **os.environ,
        "HIMIG_DATA_DIR": str(data_dir),
        "PORT": str(port),
        "HIMIG_SITE_URL": f"http://127.0.0.1:{port}",
        "PYTHONUNBUFFERED": "1",
        **fake_providers.env(),
    }
    for name in ("DATABASE_URL", "REDIS_URL", "HIMIG_TASKS_BACKEND", "HIMIG_S3_BUCKET"):
        env.pop(name, None)
    server = LiveServer(url=f"http://127.0.0.1:{port}", data_dir=data_dir, env=env)
    server.manage("migrate", "--noinput")
    server.manage("createcachetable")
    server.manage("collectstatic", "--noinput", "-v", "0")
    log = open(data_dir / "server.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "run", "--port", str(port)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"{server.url}/api/health", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            log.flush()
            raise RuntimeError(f"server did not start:\n{(data_dir / 'server.log').read_text()[-4000:]}")
        time.sleep(0.3)
    try:
        yield server
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        _require_or_skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser, himig_server):  # type: ignore[no-untyped-def]
    ctx = browser.new_context(base_url=himig_server.url, viewport={"width": 1280, "height": 800}, accept_downloads=True)
    ctx.set_default_timeout(20_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):  # type: ignore[no-untyped-def]
    return context.new_page()


def axe_violations(page, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict]:  # type: ignore[no-untyped-def]
    """Run axe-core in the page; return violations of the given impacts.

    Evaluated through the DevTools protocol, so the page's CSP (no inline scripts) does
    not have to be weakened for the check.
    """
    if not AXE.exists():
        _require_or_skip("axe-core is not installed (npm install)")
    page.evaluate(AXE.read_text())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v.get("impact") in impacts]


def screenshot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
