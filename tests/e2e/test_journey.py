"""The whole journey a person takes, in a real browser against a live server and worker."""

from __future__ import annotations

import io
import re
import time
import zipfile
from pathlib import Path

from tests.e2e.conftest import LiveServer, axe_violations, screenshot

PASSWORD = "a-long-Passphrase-42"


def _latest_mail(mail_dir: Path, to: str, after: float) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if mail_dir.exists():
            for path in sorted(mail_dir.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True):
                if path.stat().st_mtime >= after - 1:
                    text = path.read_text(errors="replace")
                    if to in text:
                        return text
        time.sleep(0.2)
    raise AssertionError(f"no mail to {to} in {mail_dir}")


def sign_up(page, himig_server: LiveServer, email: str) -> None:  # type: ignore[no-untyped-def]
    started = time.time()
    page.goto("/accounts/signup/")
    page.get_by_label("Email", exact=False).first.fill(email)
    page.locator("input[name=password1]").fill(PASSWORD)
    page.locator("input[name=password2]").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("create account|sign up", re.I)).click()
    mail = _latest_mail(himig_server.mail_dir, email, started)
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail)
    assert link, mail
    confirm_path = re.sub(r"^https?://[^/]+", "", link.group(0))
    page.goto(confirm_path)
    page.get_by_role("button", name=re.compile("confirm", re.I)).click()
    if "/accounts/login" in page.url:
        page.locator("input[name=login]").fill(email)
        page.locator("input[name=password]").fill(PASSWORD)
        page.get_by_role("button", name=re.compile("sign in", re.I)).click()


def wait_until_ready(page, timeout_s: float = 300) -> None:  # type: ignore[no-untyped-def]
    """Wait for the player; generous, since CI runs the worker on two busy cores."""
    page.locator("[data-play]").wait_for(state="visible", timeout=timeout_s * 1000)


def set_range(page, selector: str, value: int) -> None:  # type: ignore[no-untyped-def]
    page.eval_on_selector(
        selector,
        "(el, v) => { el.value = String(v); el.dispatchEvent(new Event('input', {bubbles: true}));"
        " el.dispatchEvent(new Event('change', {bubbles: true})); }",
        value,
    )


def test_sign_up_generate_play_share_and_delete(browser, himig_server: LiveServer, context, page) -> None:  # type: ignore[no-untyped-def]
    email = f"journey-{int(time.time() * 1000)}@example.com"
    sign_up(page, himig_server, email)

    # Profile setup comes after the first sign-in.
    page.wait_for_url(re.compile(r"/settings/profile-setup/"))
    page.get_by_label("Display name").fill("Journey Tester")
    page.get_by_role("button", name=re.compile("save", re.I)).click()

    page.goto("/generate/")
    assert axe_violations(page) == []
    page.get_by_label("Prompt", exact=True).fill("Warm acoustic folk with fingerpicked guitar for a travel vlog")
    set_range(page, "#id_duration", 20)
    page.get_by_role("button", name="Generate").click()
    page.wait_for_url(re.compile(r"/tracks/[0-9a-f-]{36}/"))
    track_url = page.url
    wait_until_ready(page)
    screenshot(page, "journey-track-ready")

    # Play, then seek by clicking the waveform: currentTime must jump forward.
    page.locator("[data-play]").click()
    page.wait_for_function("() => !document.querySelector('[data-audio]').paused")
    wave = page.locator("[data-wave]")
    box = wave.bounding_box()
    assert box
    page.mouse.click(box["x"] + box["width"] * 0.6, box["y"] + box["height"] / 2)
    page.wait_for_function("() => document.querySelector('[data-audio]').currentTime > 9")

    # Favorite without a reload.
    heart = page.locator("[data-favorite-form] button").first
    heart.click()
    page.wait_for_function("() => document.querySelector('[data-favorite-form] button').getAttribute('aria-pressed') === 'true'")

    # Downloads: a real MP3 and a stems zip with one WAV per part.
    page.locator("details.downloads summary").first.click()
    with page.expect_download() as mp3_info:
        page.get_by_role("link", name=re.compile(r"^MP3", re.I)).click()
    mp3 = Path(mp3_info.value.path()).read_bytes()
    assert mp3[:3] == b"ID3" or (mp3[0] == 0xFF and mp3[1] & 0xE0 == 0xE0)
    assert mp3_info.value.suggested_filename.endswith(".mp3")
    page.eval_on_selector("details.downloads", "d => { d.open = true; }")
    with page.expect_download() as stems_info:
        page.get_by_role("link", name=re.compile("stems", re.I)).click()
    with zipfile.ZipFile(io.BytesIO(Path(stems_info.value.path()).read_bytes())) as stems:
        names = stems.namelist()
    assert len(names) >= 2 and all(n.endswith(".wav") for n in names)

    # Share, and open the public link logged out.
    page.get_by_role("button", name=re.compile("make public", re.I)).click()
    share_url = page.locator("[data-share-input]").input_value()
    assert "/t/" in share_url
    share_path = re.sub(r"^https?://[^/]+", "", share_url)
    stranger = browser.new_context(base_url=himig_server.url)
    try:
        public = stranger.new_page()
        response = public.goto(share_path)
        assert response and response.status == 200
        assert public.locator('meta[property="og:audio"]').count() == 1
        public.locator("[data-play]").click()
        public.wait_for_function("() => document.querySelector('[data-audio]').currentTime > 0.5")
        assert axe_violations(public) == []
        screenshot(public, "journey-shared")

        # Private again: the link dies.
        page.get_by_role("button", name=re.compile("make private", re.I)).click()
        page.wait_for_load_state()
        gone = public.goto(share_path)
        assert gone and gone.status == 404
    finally:
        stranger.close()

    # Delete: the track and its page are gone.
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=re.compile("delete track", re.I)).click()
    page.wait_for_load_state()
    response = page.goto(track_url)
    assert response and response.status == 404

