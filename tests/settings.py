"""Settings for the test suite: ``himig.settings`` with test-run defaults.

pytest-django imports the settings module before any ``conftest.py`` runs, so
environment defaults that ``himig/settings.py`` reads must be set here, or the
suite would write into ./var and expect collected static files.
"""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("HIMIG_DATA_DIR", tempfile.mkdtemp(prefix="himig-test-"))
os.environ.setdefault("HIMIG_SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault("HIMIG_STATIC_MANIFEST", "0")

from himig.settings import *  # noqa: E402,F403
