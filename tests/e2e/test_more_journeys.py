"""Provider sign-in, guests claiming tracks, API keys, keyboard use and page weight."""

from __future__ import annotations

import json
import re
import time
import urllib.request

import pytest

from tests.e2e.conftest import ARTIFACTS, LiveServer, axe_violations, screenshot
from tests.e2e.live import PERF_SCRIPT
from tests.e2e.test_journey import set_range, sign_up, wait_until_ready


def _sign_out(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/accounts/logout/")
    page.locator("#main").get_by_role("button", name=re.compile("sign out", re.I)).click()


@pytest.mark.parametrize("provider,label", [("github", "GitHub"), ("google", "Google")])
def test_provider_buttons_sign_in_new_then_returning_user(page, fake_providers, provider: str, label: str) -> None:  # type: ignore[no-untyped-def]
    email = f"{provider}-{int(time.time() * 1000)}@example.com"
    fake_providers.identities[provider] = {
        **fake_providers.identities[provider],
        "email": email,
        **({"id": int(time.time())} if provider == "github" else {"sub": str(time.time_ns())}),
    }
    page.goto("/accounts/login/")
    page.get_by_role("button", name=f"Continue with {label}").click()
    page.wait_for_url(re.compile(r"/settings/profile-setup/"))  # a new account goes to profile setup
    page.get_by_label("Display name").fill(f"{label} person")
    page.get_by_role("button", name=re.compile("save", re.I)).click()
    page.wait_for_load_state()
    _sign_out(page)

    page.goto("/accounts/login/")
    page.get_by_role("button", name=f"Continue with {label}").click()
    page.wait_for_load_state()
    assert "/profile-setup/" not in page.url  # returning: setup was already shown once
    assert page.get_by_role("link", name="Library").count() >= 1
    response = page.goto("/settings/")
    assert response and response.status == 200
    assert email in page.content()


def test_guest_generates_then_claims_the_track_by_signing_up(page, himig_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    page.goto("/generate/")
    page.get_by_label("Prompt", exact=True).fill("Short happy ukulele jingle")
    set_range(page, "#id_duration", 15)
    page.get_by_role("button", name="Generate").click()
    page.wait_for_url(re.compile(r"/tracks/[0-9a-f-]{36}/"))
    track_path = re.sub(r"^https?://[^/]+", "", page.url)
    wait_until_ready(page)

    sign_up(page, himig_server, f"guest-{int(time.time() * 1000)}@example.com")
    response = page.goto(track_path)
    assert response and response.status == 200  # the track now belongs to the new account
    page.goto("/library/")
    assert page.get_by_text("Short happy ukulele jingle").count() >= 1


def test_api_key_page_creates_a_key_that_works_with_plain_http(page, himig_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    sign_up(page, himig_server, f"apikey-{int(time.time() * 1000)}@example.com")
    page.goto("/settings/api-keys/")
    page.get_by_label("Name", exact=False).first.fill("e2e script")
    page.get_by_role("button", name="Create key").click()
    key = page.get_by_test_id("new-api-key").inner_text().strip()
    assert key

    def call(method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        request = urllib.request.Request(
            himig_server.url + path,
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    status, me = call("GET", "/api/me")
    assert status == 200 and me["email"].startswith("apikey-")
    status, track = call("POST", "/api/generate", {"prompt": "test", "genre": "Pop", "mood": "Happy", "duration": 15, "wait": 30})
    assert status in (200, 202), track
    status, listing = call("GET", "/api/tracks")
    assert status == 200 and listing["items"][0]["id"] == track["id"]


def test_keyboard_only_generate_and_player(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/generate/")
    page.locator("body").press("Tab")  # the skip link comes first
    for _ in range(40):
        if page.evaluate("document.activeElement && document.activeElement.id") == "id_prompt":
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_prompt"
    page.keyboard.type("Calm piano for reading")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Generate":
            break
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/tracks/[0-9a-f-]{36}/"))
    wait_until_ready(page)
    page.locator("[data-play]").focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => !document.querySelector('[data-audio]').paused")
    page.locator("[data-wave]").focus()
    before = page.evaluate("document.querySelector('[data-audio]').currentTime")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"() => document.querySelector('[data-audio]').currentTime >= {before} + 8")


def test_page_weight_and_layout_stability(browser, himig_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    """Chromium's own performance entries on home, Generate, a 100-track library and a share page.

    Bytes and layout shift are asserted; LCP is recorded in test-artifacts/perf.json
    (times belong in reports, not assertions).
    """
    context = browser.new_context(base_url=himig_server.url, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    try:
        email = f"perf-{int(time.time() * 1000)}@example.com"
        sign_up(page, himig_server, email)
        page.goto("/generate/")
        page.get_by_label("Prompt", exact=True).fill("Lo-fi hip hop beat for studying")
        set_range(page, "#id_duration", 15)
        page.get_by_role("button", name="Generate").click()
        page.wait_for_url(re.compile(r"/tracks/[0-9a-f-]{36}/"))
        wait_until_ready(page)
        page.get_by_role("button", name=re.compile("make public", re.I)).click()
        share_path = re.sub(r"^https?://[^/]+", "", page.locator("[data-share-input]").input_value())
        track_id = page.url.rstrip("/").split("/")[-1]
        himig_server.clone_track(track_id, 99)
        state = context.storage_state()
        figures = {}
        for name, path in [("home", "/"), ("generate", "/generate/"), ("library", "/library/"), ("share", share_path)]:
            cold = browser.new_context(base_url=himig_server.url, viewport={"width": 1280, "height": 800},
                                       storage_state=state)  # a fresh context: empty HTTP cache
            fresh = cold.new_page()
            response = fresh.goto(path, wait_until="load")
            assert response and response.status == 200
            figures[name] = fresh.evaluate(PERF_SCRIPT)
            assert axe_violations(fresh) == []
            screenshot(fresh, f"desktop-{name}-loaded")
            fresh.set_viewport_size({"width": 390, "height": 844})
            screenshot(fresh, f"phone-{name}-loaded")
            cold.close()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "perf.json").write_text(json.dumps(figures, indent=2))
        print(json.dumps(figures))
        for name, figure in figures.items():
            assert figure["cls"] < 0.05, (name, figure)
            assert figure["bytes"] < 200_000, (name, figure)
    finally:
        context.close()
