"""The browser suite: Playwright driving the system Chromium against a live `manage.py run`.

A session-wide server (web + real generation worker) runs on a free loopback port with
its own data directory. Chromium is Debian's package, launched through its executable;
no browser is ever downloaded. Locally the suite skips with a reason when Chromium is
absent; in CI (HIMIG_REQUIRE_SERVICES=1) that is a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.fake_providers import FakeProviders
from tests.e2e.live import CHROMIUM, CHROMIUM_ARGS, ROOT, LiveServer, new_server

__all__ = ["ARTIFACTS", "LiveServer", "axe_violations", "screenshot"]

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(os.environ.get("HIMIG_TEST_ARTIFACTS", ROOT / "test-artifacts"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


def _require_or_skip(reason: str) -> None:
    if os.environ.get("HIMIG_REQUIRE_SERVICES") == "1":
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def fake_providers() -> Iterator[FakeProviders]:
    providers = FakeProviders()
    providers.start()
    yield providers
    providers.stop()


@pytest.fixture(scope="session")
def himig_server(fake_providers: FakeProviders) -> Iterator[LiveServer]:
    server = new_server(fake_providers.env()).start()
    try:
        yield server
    finally:
        server.stop()


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
    ctx.set_default_timeout(30_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):  # type: ignore[no-untyped-def]
    return context.new_page()


def axe_violations(  # type: ignore[no-untyped-def]
    page, impacts: tuple[str, ...] = ("serious", "critical"), disable: tuple[str, ...] = ()
) -> list[dict]:
    """Run axe-core in the page; return violations of the given impacts.

    Evaluated through the DevTools protocol, so the page's CSP (no inline scripts) does
    not have to be weakened for the check.
    """
    if not AXE.exists():
        _require_or_skip("axe-core is not installed (npm install)")
    page.evaluate(AXE.read_text())
    rules = {rule: {"enabled": False} for rule in disable}
    result = page.evaluate("async rules => await axe.run(document, {resultTypes: ['violations'], rules})", rules)
    return [v for v in result["violations"] if v.get("impact") in impacts]


def screenshot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
