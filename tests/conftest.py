"""Project-wide test configuration.

Every test run gets its own data directory, so tests never touch ./var.
"""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("HIMIG_DATA_DIR", tempfile.mkdtemp(prefix="himig-test-"))
os.environ.setdefault("HIMIG_SECRET_KEY", "test-secret-key-not-for-production")
