"""Fixtures for the accounts tests: an isolated cache, a mail folder, people."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress

from himig.accounts.models import User

PASSWORD = "a-long-tune-4-testing"


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    # Real hashing costs ~0.5 s a password; these tests are about flows, not hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _isolated_cache(settings):
    # Rate-limit counters live in the cache: a fresh one per test keeps tests independent.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}
    }


@pytest.fixture
def mail_dir(settings, tmp_path: Path) -> Path:
    """Mail is written as files into this folder, exactly as on `make run`."""
    folder = tmp_path / "mail"
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = folder
    return folder


def read_mails(folder: Path) -> list[str]:
    if not folder.exists():
        return []
    return [p.read_text() for p in sorted(folder.iterdir())]


def find_link(text: str, pattern: str) -> str:
    match = re.search(r"https?://[^/\s]+(" + pattern + r")", text)
    assert match, f"no link matching {pattern!r} in:\n{text}"
    return match.group(1)


@pytest.fixture
def verified_user(db) -> Callable[..., User]:
    def make(email: str = "dana@example.com", password: str = PASSWORD, **extra: object) -> User:
        user = User.objects.create_user(email, password, **extra)
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        return user

    return make
