"""Every page a person can reach, in every state that changes what it shows.

For each page: the expected status, zero serious or critical axe-core violations, and
full-page screenshots at 1280×800 and 390×844 in test-artifacts/ (named
``<desktop|phone>-<audience>-<page>[-dark].png``). Each page is checked in the light
theme and again with the browser asking for dark (``prefers-color-scheme``), since the
two palettes have their own contrast.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from tests.e2e.conftest import LiveServer, axe_violations, screenshot
from tests.e2e.live import sign_in
from tests.e2e.test_journey import set_range, wait_until_ready

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@dataclass
class Site:
    """What the tour needs: signed-in sessions and tracks in each state."""

    owner_state: dict
    staff_state: dict
    ready: str
    running: str
    failed: str
    share_path: str


@pytest.fixture(scope="module")
def site(browser, himig_server: LiveServer) -> Site:  # type: ignore[no-untyped-def]
    stamp = int(time.time() * 1000)
    owner, staff = f"tour-{stamp}@example.com", f"staff-{stamp}@example.com"
    himig_server.create_user(owner, name="Tour Owner")
    himig_server.create_user(staff, staff=True, name="Ops Person")

    context = browser.new_context(base_url=himig_server.url)
    context.set_default_timeout(30_000)
    try:
        page = context.new_page()
        sign_in(page, staff)
        staff_state = context.storage_state()
    finally:
        context.close()
    context = browser.new_context(base_url=himig_server.url)
    context.set_default_timeout(30_000)
    try:
        page = context.new_page()
        sign_in(page, owner)
        page.goto("/generate/")
        page.get_by_label("Prompt", exact=True).fill("Bright synth pop with a driving beat for a product launch")
        set_range(page, "#id_duration", 15)
        page.get_by_role("button", name="Generate").click()
        page.wait_for_url(re.compile(r"/tracks/[0-9a-f-]{36}/"))
        ready = page.url.rstrip("/").split("/")[-1]
        wait_until_ready(page)
        page.get_by_role("button", name=re.compile("make public", re.I)).click()
        share_path = re.sub(r"^https?://[^/]+", "", page.locator("[data-share-input]").input_value())
        owner_state = context.storage_state()  # never signed out: the tests reuse this session
    finally:
        context.close()

    himig_server.clone_track(ready, 4)
    # A track the worker is "still making" (its heartbeat is in the future, so nothing
    # reclaims it) and one that failed, to see the progress and failure states.
    ids = himig_server.shell(
        "import datetime as dt\n"
        "from django.utils import timezone\n"
        "from himig.studio.models import Track\n"
        f"t = Track.objects.get(pk={ready!r})\n"
        "now = timezone.now()\n"
        "common = dict(user=t.user, prompt='Slow ambient pads for a meditation app', genre='ambient', mood='calm',"
        " duration=60)\n"
        "r = Track.objects.create(title='Meditation pads', seed=1, status='running', stage='rendering', progress=0.45,"
        " started_at=now, heartbeat_at=now + dt.timedelta(hours=2), attempts=1, **common)\n"
        "f = Track.objects.create(title='Meditation pads (failed)', seed=2, status='failed', stage='rendering',"
        " error='The engine ran out of memory while rendering. You can retry it.', finished_at=now, attempts=3,"
        " **common)\n"
        "print('IDS', r.pk, f.pk)\n"
    )
    running, failed = re.search(r"IDS (\S+) (\S+)", ids).groups()  # type: ignore[union-attr]
    return Site(owner_state, staff_state, ready, running, failed, share_path)


def _submit(page, button) -> None:  # type: ignore[no-untyped-def]
    """Click a form's submit button and wait for the answer page (errors re-render the form)."""
    with page.expect_navigation():
        button.click()
    assert page.locator(".error-text, .form-errors, .errorlist").count() >= 1, "no error shown"


def _generate_with_errors(page, site: Site) -> int:  # type: ignore[no-untyped-def]
    page.goto("/generate/")
    page.eval_on_selector("[data-generate-form]", "f => { f.noValidate = true; }")  # let the server judge
    page.get_by_label("Prompt", exact=True).fill("   ")
    _submit(page, page.get_by_role("button", name="Generate"))
    return 200


def _login_with_errors(page, site: Site) -> int:  # type: ignore[no-untyped-def]
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill("nobody@example.com")
    page.locator("input[name=password]").fill("not-the-password")
    _submit(page, page.locator("#main").get_by_role("button", name="Sign in"))
    return 200


def _signup_with_errors(page, site: Site) -> int:  # type: ignore[no-untyped-def]
    page.goto("/accounts/signup/")
    page.get_by_label("Email", exact=False).first.fill("not-an-address")
    page.locator("input[name=password1]").fill("short")
    page.locator("input[name=password2]").fill("different")
    page.eval_on_selector("#main form[method=post]", "f => { f.noValidate = true; }")
    _submit(page, page.get_by_role("button", name=re.compile("create account|sign up", re.I)))
    return 200


def _reset_requested(page, site: Site) -> int:  # type: ignore[no-untyped-def]
    page.goto("/accounts/password/reset/")
    page.locator("input[name=email]").fill("someone@example.com")
    page.locator("#main").get_by_role("button").last.click()
    page.wait_for_url(re.compile(r"/password/reset/done/"))
    return 200


def _api_key_created(page, site: Site) -> int:  # type: ignore[no-untyped-def]
    page.goto("/settings/api-keys/")
    page.get_by_label("Name", exact=False).first.fill(f"tour key {time.time_ns()}")
    page.get_by_role("button", name="Create key").click()
    assert page.get_by_test_id("new-api-key").inner_text().strip()
    return 200


def _api_docs(page, site: Site) -> int:  # type: ignore[no-untyped-def]
    response = page.goto("/api/docs")
    page.locator(".opblock").first.wait_for()  # Swagger UI draws the operations after load
    page.locator(".models, .json-schema-2020-12").first.wait_for()
    return response.status if response else 0


def _library_searched_empty(page, site: Site) -> int:  # type: ignore[no-untyped-def]
    page.goto("/library/?q=no+such+words+anywhere")
    return 200


def _go(path: str) -> Callable:
    def visit(page, site: Site) -> int:  # type: ignore[no-untyped-def]
        response = page.goto(path.format(site=site))
        assert response is not None
        return response.status

    return visit


ANONYMOUS = {
    "home": _go("/"),
    "generate": _go("/generate/"),
    "generate-errors": _generate_with_errors,
    "help": _go("/help/"),
    "library": _go("/library/"),
    "share": _go("{site.share_path}"),
    "login": _go("/accounts/login/"),
    "login-errors": _login_with_errors,
    "signup": _go("/accounts/signup/"),
    "signup-errors": _signup_with_errors,
    "password-reset": _go("/accounts/password/reset/"),
    "password-reset-done": _reset_requested,
    "verification-sent": _go("/accounts/confirm-email/"),
    "api-docs": _api_docs,
    "not-found": _go("/no-such-page/"),
    "track-of-another": _go("/tracks/{site.ready}/"),
}
OWNER = {
    "home": _go("/"),
    "generate": _go("/generate/"),
    "generate-errors": _generate_with_errors,
    "track-ready": _go("/tracks/{site.ready}/"),
    "track-running": _go("/tracks/{site.running}/"),
    "track-failed": _go("/tracks/{site.failed}/"),
    "library": _go("/library/"),
    "library-favorites": _go("/library/?favorite=1"),
    "library-no-match": _library_searched_empty,
    "share": _go("{site.share_path}"),
    "settings": _go("/settings/"),
    "profile-setup": _go("/settings/profile-setup/"),
    "api-keys": _go("/settings/api-keys/"),
    "api-keys-created": _api_key_created,
    "email": _go("/accounts/email/"),
    "password-change": _go("/accounts/password/change/"),
    "sign-out": _go("/accounts/logout/"),
    "help": _go("/help/"),
    "not-found": _go("/no-such-page/"),
}
STAFF = {
    "library-empty": _go("/library/"),
    "ops": _go("/ops/"),
    "ops-status": _go("/ops/status"),
}
NOT_FOUND = {"not-found", "track-of-another"}
CASES = [
    pytest.param(audience, name, scheme, id=f"{audience}-{name}-{scheme}")
    for audience, pages in (("anon", ANONYMOUS), ("owner", OWNER), ("staff", STAFF))
    for name in pages
    for scheme in ("light", "dark")
]


@pytest.mark.parametrize("audience,name,scheme", CASES)
def test_page_is_accessible_and_captured(browser, himig_server: LiveServer, site: Site, audience: str, name: str,
                                         scheme: str) -> None:  # type: ignore[no-untyped-def]
    pages = {"anon": ANONYMOUS, "owner": OWNER, "staff": STAFF}[audience]
    state = {"anon": None, "owner": site.owner_state, "staff": site.staff_state}[audience]
    context = browser.new_context(base_url=himig_server.url, viewport=DESKTOP, storage_state=state,
                                  color_scheme=scheme)
    context.set_default_timeout(30_000)
    try:
        page = context.new_page()
        status = pages[name](page, site)
        assert status == (404 if name in NOT_FOUND else 200), f"{name}: HTTP {status}"
        if audience != "anon":
            assert "/accounts/login" not in page.url, f"{name}: sent to sign in"
        # Swagger UI puts its "authorize" lock button inside each operation's summary
        # button (nested-interactive); that markup is the third-party bundle's own.
        violations = axe_violations(page, disable=("nested-interactive",) if name == "api-docs" else ())
        assert violations == [], [(v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]][:5])
                                  for v in violations]
        suffix = "-dark" if scheme == "dark" else ""
        screenshot(page, f"desktop-{audience}-{name}{suffix}")
        page.set_viewport_size(PHONE)
        screenshot(page, f"phone-{audience}-{name}{suffix}")
        # Nothing may stick out sideways on a phone: no horizontal scrolling.
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, f"{name}: {overflow}px wider than a 390px phone"
    finally:
        context.close()



def test_theme_toggle_and_delete_confirmation_act_once_on_player_pages(browser, himig_server: LiveServer,
                                                                      site: Site) -> None:  # type: ignore[no-untyped-def]
    """Pages with the player import app.js a second time; its handlers must still bind once."""
    context = browser.new_context(base_url=himig_server.url, viewport=DESKTOP, storage_state=site.owner_state,
                                  color_scheme="light")
    try:
        page = context.new_page()
        page.goto("/library/")
        page.locator("[data-play]").first.wait_for(state="visible")  # player.js (and its import) ran
        page.locator("[data-theme-toggle]").click()
        assert page.evaluate("document.documentElement.dataset.theme") == "dark"
        assert any(c["name"] == "himig_theme" and c["value"] == "dark" for c in context.cookies())
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        ready_card = page.locator("[data-track-card]:has([data-play])").first
        ready_card.get_by_role("button", name=re.compile("^Delete")).click()
        page.evaluate("0")  # runs after the submit task, in which any second confirm() would have been
        assert len(dialogs) == 1, dialogs
        assert "/library/" in page.url  # dismissed: nothing deleted, no navigation
    finally:
        context.close()
