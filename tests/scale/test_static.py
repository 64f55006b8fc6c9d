"""Static files: hashed names, year-long immutable caching, brotli/gzip — once collected."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.templatetags.static import static
from django.test import Client, override_settings

from tests.scale.conftest import ROOT, manage, process_env, settings_from_env

# One of the project's own stylesheets. Django admin's and django-ninja's files are
# left out: brotli at its best setting takes minutes over their megabytes of
# JavaScript and source maps on two shared cores (a deploy pays that once).
PROBE = sorted(
    p.relative_to(ROOT / "himig" / "static").as_posix() for p in (ROOT / "himig" / "static").rglob("*.css")
)[0]


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    base = tmp_path_factory.mktemp("collected")
    root = base / "static"
    env = {"HIMIG_STATIC_MANIFEST": "1", "HIMIG_STATIC_ROOT": str(root)}
    skip = ["--ignore", "admin", "--ignore", "ninja"]
    manage("collectstatic", "--noinput", "-v", "0", *skip, env=process_env(base, **env), timeout=600)
    with pytest.MonkeyPatch.context() as monkeypatch:
        probe = settings_from_env(monkeypatch, **env)
    with override_settings(STORAGES=probe.STORAGES, STATIC_ROOT=probe.STATIC_ROOT):
        yield root


def test_production_settings_choose_the_manifest_storage(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HIMIG_STATIC_MANIFEST", raising=False)
    monkeypatch.setenv("HIMIG_DEBUG", "false")
    probe = settings_from_env(monkeypatch)
    assert (
        probe.STORAGES["staticfiles"]["BACKEND"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    )
    assert "whitenoise.middleware.WhiteNoiseMiddleware" in probe.MIDDLEWARE


def test_collectstatic_writes_hashed_and_precompressed_files(collected: Path) -> None:
    manifest = json.loads((collected / "staticfiles.json").read_text())
    hashed = manifest["paths"][PROBE]
    assert hashed != PROBE and hashed.startswith(PROBE.removesuffix(".css") + ".")
    for suffix in ("", ".gz", ".br"):
        assert (collected / (hashed + suffix)).is_file()
    assert static(PROBE) == "/static/" + hashed


def test_hashed_files_are_served_immutable_and_compressed(collected: Path) -> None:
    url = static(PROBE)
    response = Client().get(url, HTTP_ACCEPT_ENCODING="gzip, br")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "br"
    assert "immutable" in response["Cache-Control"]
    assert "max-age=315360000" in response["Cache-Control"]
    assert "Accept-Encoding" in response["Vary"]

    plain = Client().get(url)
    assert plain.status_code == 200 and not plain.has_header("Content-Encoding")
    served = b"".join(plain.streaming_content)  # type: ignore[attr-defined]
    assert served == (collected / url.removeprefix("/static/")).read_bytes()
