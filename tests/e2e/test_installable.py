"""Installable as an app, and the library and player work on a phone (390×844, touch)."""

from __future__ import annotations

import json
import re
import time

from tests.e2e.conftest import LiveServer, screenshot
from tests.e2e.live import sign_in
from tests.e2e.test_journey import set_range, wait_until_ready

PHONE = {"width": 390, "height": 844}


def test_manifest_is_linked_valid_and_its_icons_load(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/")
    href = page.locator('link[rel="manifest"]').get_attribute("href")
    assert href
    response = page.request.get(href)
    assert response.status == 200
    assert "json" in response.headers["content-type"] or "manifest" in response.headers["content-type"]
    manifest = json.loads(response.text())
    assert manifest["name"] and manifest["short_name"]
    assert manifest["display"] in ("standalone", "fullscreen", "minimal-ui")
    start = page.request.get(manifest["start_url"])
    assert start.status == 200
    sizes = set()
    for icon in manifest["icons"]:
        icon_response = page.request.get(icon["src"])
        assert icon_response.status == 200, icon["src"]
        body = icon_response.body()
        if icon["type"] == "image/png":
            assert body[:8] == b"\x89PNG\r\n\x1a\n", icon["src"]
            width, height = int.from_bytes(body[16:20], "big"), int.from_bytes(body[20:24], "big")
            assert f"{width}x{height}" == icon["sizes"], (icon["src"], width, height)
            sizes.add(icon["sizes"])
        else:
            assert b"<svg" in body[:500], icon["src"]
    assert {"192x192", "512x512"} <= sizes  # what browsers require to offer installation
    assert any("maskable" in icon.get("purpose", "") for icon in manifest["icons"])
    apple = page.locator('link[rel="apple-touch-icon"]').get_attribute("href")
    assert apple and page.request.get(apple).status == 200
    assert page.locator('meta[name="theme-color"]').count() == 1


def test_library_and_player_on_a_phone(browser, himig_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    email = f"phone-{int(time.time() * 1000)}@example.com"
    himig_server.create_user(email, name="Phone Person")
    context = browser.new_context(base_url=himig_server.url, viewport=PHONE, is_mobile=True, has_touch=True,
                                  device_scale_factor=2)
    context.set_default_timeout(30_000)
    try:
        page = context.new_page()
        sign_in(page, email)
        page.goto("/generate/")
        page.get_by_label("Prompt", exact=True).fill("Gentle marimba loop for a phone game menu")
        set_range(page, "#id_duration", 15)
        page.get_by_role("button", name="Generate").tap()
        page.wait_for_url(re.compile(r"/tracks/[0-9a-f-]{36}/"))
        wait_until_ready(page)
        track_id = page.url.rstrip("/").split("/")[-1]
        himig_server.clone_track(track_id, 2)

        page.goto("/library/")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        card = page.locator("[data-track-card]").first
        play = card.locator("[data-play]")
        play.wait_for(state="visible")
        box = play.bounding_box()
        assert box and box["width"] >= 40 and box["height"] >= 40  # a thumb-sized target
        play.tap()
        page.wait_for_function(
            "() => { const a = document.querySelector('[data-track-card] [data-audio]');"
            " return a && !a.paused && a.currentTime > 0.3; }"
        )
        # Tap on the waveform seeks.
        wave = card.locator("[data-wave]")
        wave_box = wave.bounding_box()
        assert wave_box and wave_box["width"] >= 150, wave_box  # room to aim a seek
        page.touchscreen.tap(wave_box["x"] + wave_box["width"] * 0.7, wave_box["y"] + wave_box["height"] / 2)
        page.wait_for_function("() => document.querySelector('[data-track-card] [data-audio]').currentTime > 8")

        heart = card.locator("[data-favorite-form] button")
        heart_box = heart.bounding_box()
        assert heart_box and heart_box["width"] >= 40 and heart_box["height"] >= 40
        before = heart.get_attribute("aria-pressed")
        heart.tap()
        page.wait_for_function(
            "b => document.querySelector('[data-track-card] [data-favorite-form] button')"
            ".getAttribute('aria-pressed') !== b",
            arg=before,
        )
        assert "/library/" in page.url  # no reload, no navigation
        screenshot(page, "phone-library-playing")
        page.goto("/library/?favorite=1")
        assert page.locator("[data-track-card]").count() >= 1
    finally:
        context.close()
