"""Audio files through the Django storage API: local files or S3, the same calls.

Settings pick the backend (``HIMIG_S3_BUCKET`` → S3Storage, else FileSystemStorage).
The helpers here cover what differs for the callers:

* :func:`signed_url` — on S3, a short-lived presigned GET URL that a download or
  the ``<audio>`` player can be redirected to (S3 answers Range requests itself);
  ``None`` on local storage, where the view streams the file with Range support.

Deleting files is the studio's ``remove_files`` (plain ``default_storage.delete``),
which needs nothing backend-specific.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.files.storage import Storage, storages


def media_storage() -> Storage:
    return storages["default"]


def is_remote() -> bool:
    """True when files live on S3-compatible storage rather than the local disk."""
    from storages.backends.s3 import S3Storage

    return isinstance(media_storage(), S3Storage)


def _safe_filename(name: str) -> str:
    # Content-Disposition value inside quotes: no quotes, backslashes or control characters.
    cleaned = re.sub(r'[\x00-\x1f\x7f"\\]', "", name).strip()
    return cleaned or "track"


def signed_url(
    name: str,
    *,
    expires: int | None = None,
    download_name: str | None = None,
    content_type: str | None = None,
) -> str | None:
    """A presigned URL for ``name`` valid ``expires`` seconds, or None on local storage.

    ``download_name`` makes the browser save the file under that name (a download
    button); without it the URL plays inline (the player). ``content_type``
    overrides what S3 answers, for objects stored without one.
    """
    if not is_remote():
        return None
    storage = media_storage()
    params: dict[str, str] = {}
    if download_name:
        params["ResponseContentDisposition"] = f'attachment; filename="{_safe_filename(download_name)}"'
    if content_type:
        params["ResponseContentType"] = content_type
    ttl = expires if expires is not None else settings.HIMIG_S3_SIGNED_URL_TTL
    url: str = storage.url(name, parameters=params, expire=ttl)  # type: ignore[call-arg]
    return url
