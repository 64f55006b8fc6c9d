"""Security headers, the Content Security Policy, no inline script/style, and `check --deploy`."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from himig.middleware import build_csp

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PUBLIC_PAGES = ["/", "/help/", "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/", "/no-such-page/"]
SIGNED_IN_PAGES = ["/settings/", "/settings/profile-setup/", "/accounts/email/", "/accounts/password/change/"]

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+=", re.IGNORECASE)
JS_URL = re.compile(r"""href=["']\s*javascript:""", re.IGNORECASE)


def assert_csp_safe(html: str, url: str) -> None:
    assert not INLINE_SCRIPT.search(html), f"inline <script> on {url}"
    assert not INLINE_STYLE.search(html), f"inline style on {url}"
    assert not INLINE_HANDLER.search(html), f"inline event handler on {url}"
    assert not JS_URL.search(html), f"javascript: URL on {url}"


def test_headers_on_every_page(client):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "media-src 'self' blob:",
        "frame-ancestors 'none'",
        "object-src 'none'",
        "form-action 'self'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert "Content-Security-Policy" in client.get("/no-such-page/").headers


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_public_pages_have_no_inline_code(client, url):
    response = client.get(url)
    assert response.status_code in (200, 404)
    assert_csp_safe(response.content.decode(), url)


@pytest.mark.parametrize("url", SIGNED_IN_PAGES)
def test_signed_in_pages_have_no_inline_code(client, verified_user, url):
    client.force_login(verified_user())
    response = client.get(url)
    assert response.status_code == 200
    assert_csp_safe(response.content.decode(), url)


def test_templates_we_own_have_no_inline_code():
    templates = ROOT / "himig" / "templates"
    owned = [templates / "base.html", templates / "home.html", templates / "help.html", templates / "base_error.html"]
    for folder in ("account", "accounts", "socialaccount", "allauth"):
        owned += list((templates / folder).rglob("*.html"))
    owned += [templates / f"{code}.html" for code in (403, 404, 429, 500, "403_csrf")]
    for path in owned:
        assert_csp_safe(path.read_text(), str(path.relative_to(ROOT)))


def test_provider_origins_join_form_action_when_enabled(settings):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "google": {"APPS": [{"client_id": "g", "secret": "s", "key": ""}]},
        "github": {"APPS": [{"client_id": "h", "secret": "s", "key": ""}], "GITHUB_URL": "https://git.example.org"},
    }
    csp = build_csp()
    assert "form-action 'self' https://accounts.google.com https://git.example.org" in csp


def test_s3_endpoint_joins_media_src(settings, monkeypatch):
    settings.HIMIG_S3_BUCKET = "tracks"
    monkeypatch.setenv("HIMIG_S3_ENDPOINT_URL", "https://s3.example.net:9000/")
    assert "media-src 'self' blob: https://s3.example.net:9000" in build_csp()


def test_theme_cookie_is_rendered_only_when_known(client):
    client.cookies["himig_theme"] = "dark"
    assert b'data-theme="dark"' in client.get("/").content
    client.cookies["himig_theme"] = '"><script>'
    page = client.get("/").content
    assert b"data-theme" not in page.split(b"<head>")[0]


@pytest.mark.slow
def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = {
        **os.environ,
        "HIMIG_DEBUG": "false",
        "HIMIG_HTTPS": "true",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "HIMIG_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "himig.settings",
    }
    env.pop("HIMIG_SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_home_help_and_favicon(client):
    home = client.get("/")
    assert home.status_code == 200
    assert b'action="/generate/"' in home.content and b'name="prompt"' in home.content
    assert b"not a neural audio model" in home.content
    help_page = client.get("/help/").content
    for text in (b"Be descriptive", b"Add context", b"Name instruments", b"Say the energy", b"Cinematic", b"Melancholic",
                 b"Stems", b"MIDI", b"FLAC", b"royalty-free", b"15\xe2\x80\x93120 seconds", b"3 tracks a day"):
        assert text in help_page, text
    favicon = client.get("/favicon.ico")
    assert favicon.status_code == 301 and favicon["Location"].endswith("icons/icon-32.png")


def test_manifest_and_icons_exist_and_are_real_images():
    import json

    from PIL import Image

    static = ROOT / "himig" / "static"
    manifest = json.loads((static / "manifest.webmanifest").read_text())
    assert manifest["display"] == "standalone" and manifest["start_url"]
    sizes = set()
    for icon in manifest["icons"]:
        path = static / icon["src"].removeprefix("/static/")
        assert path.exists(), icon["src"]
        if icon["type"] == "image/png":
            with Image.open(path) as image:
                assert f"{image.width}x{image.height}" == icon["sizes"]
                sizes.add(image.width)
    assert {192, 512} <= sizes


def test_a_missing_csrf_token_gets_a_helpful_page():
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/accounts/login/", {"login": "a@example.com", "password": "x"})
    assert response.status_code == 403
    assert b"Please try that again" in response.content
    assert "Content-Security-Policy" in response.headers


def test_error_pages_render_without_a_request_context():
    from django.template.loader import render_to_string

    assert "Something went wrong on our side" in render_to_string("500.html")
    assert "couldn't find that page" in render_to_string("404.html")


def test_home_greets_a_signed_in_person(client, verified_user):
    client.force_login(verified_user(display_name="Dana"))
    page = client.get("/").content
    assert b"Welcome back, Dana" in page
    assert b"guests get a few short tracks" not in page
