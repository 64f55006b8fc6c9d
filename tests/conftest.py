"""Project-wide test configuration.

Every test run gets its own data directory, so tests never touch ./var.
"""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("HIMIG_DATA_DIR", tempfile.mkdtemp(prefix="himig-test-"))
os.environ.setdefault("HIMIG_SECRET_KEY", "test-secret-key-not-for-production")
# Nothing is collected for a test run, so templates get plain static names;
# tests/scale/test_static.py runs collectstatic and checks the hashed ones.
os.environ.setdefault("HIMIG_STATIC_MANIFEST", "0")
