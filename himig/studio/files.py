"""Serving a track's files: HTTP Range for seeking, download names, derived formats.

Files are always opened through Django's storage API, so this works the same on
local disk and on S3-compatible storage.
"""

from __future__ import annotations

import io
import logging
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.utils.http import http_date, quote_etag
from django.utils.text import slugify

from himig.ops.events import record_event
from himig.storage import signed_url
from himig.studio.models import Track
from himig.studio.services import TrackNotReady

logger = logging.getLogger(__name__)

# kind → (content type, file extension)
KINDS: dict[str, tuple[str, str]] = {
    "mp3": ("audio/mpeg", "mp3"),
    "wav": ("audio/wav", "wav"),
    "flac": ("audio/flac", "flac"),
    "ogg": ("audio/ogg", "ogg"),
    "midi": ("audio/midi", "mid"),
    "stems": ("application/zip", "zip"),
    "peaks": ("application/json", "json"),
}
DOWNLOADABLE = ("mp3", "wav", "flac", "ogg", "midi", "stems")
# Formats made from the stored FLAC on first download and then kept.
DERIVED = {"wav", "ogg"}
CHUNK = 64 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def download_name(track: Track, kind: str) -> str:
    base = slugify(track.title)[:80].strip("-") or "himig-track"
    ext = KINDS[kind][1]
    return f"{base}-stems.{ext}" if kind == "stems" else f"{base}.{ext}"


def _derive(track: Track, kind: str) -> str:
    """Encode ``kind`` from the lossless FLAC master, store it beside it, remember it on the track."""
    import soundfile

    from himig.engine import export
    from himig.engine.pipeline import SAMPLE_RATE

    source = track.files.get("flac")
    if not source:
        raise Http404("no source to derive this format from")
    with default_storage.open(source, "rb") as handle:
        data, rate = soundfile.read(io.BytesIO(handle.read()), dtype="float32", always_2d=True)
    if rate != SAMPLE_RATE:
        logger.warning("track %s: FLAC at %d Hz, expected %d", track.pk, rate, SAMPLE_RATE)
    with tempfile.TemporaryDirectory(prefix="himig-derive-") as tmp:
        path = export.write_audio(data.T.copy(), rate, Path(tmp) / f"track.{kind}", kind)
        folder = source.rsplit("/", 1)[0]
        with open(path, "rb") as fh:
            name = default_storage.save(f"{folder}/track.{kind}", File(fh, name=f"track.{kind}"))
    with transaction.atomic():
        fresh = Track.objects.select_for_update().get(pk=track.pk)
        if fresh.files.get(kind):
            # Another request derived it at the same moment; keep theirs.
            default_storage.delete(name)
            name = fresh.files[kind]
        else:
            fresh.files[kind] = name
            fresh.save(update_fields=["files"])
    track.files[kind] = name
    return name


def stored_name(track: Track, kind: str) -> str:
    if kind not in KINDS:
        raise Http404("unknown file kind")
    if track.status != Track.Status.READY:
        raise TrackNotReady(track)
    name = track.files.get(kind)
    if not name and kind in DERIVED:
        name = _derive(track, kind)
    if not name:
        raise Http404("this track has no such file")
    return name


def _read(handle: IO[bytes], start: int, length: int) -> Iterator[bytes]:
    try:
        handle.seek(start)
        remaining = length
        while remaining > 0:
            chunk = handle.read(min(CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk
    finally:
        handle.close()


def parse_range(header: str, size: int) -> tuple[int, int] | None | str:
    """``Range`` header → (start, end inclusive); None to serve it whole; "unsatisfiable" for 416.

    Syntax we do not understand (or several ranges) is ignored, as RFC 9110 allows:
    the whole file is served with 200.
    """
    match = _RANGE.match(header.strip())
    if not match:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # suffix: the last N bytes
        suffix = int(last)
        if suffix == 0:
            return "unsatisfiable"
        return max(0, size - suffix), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if last and end < start:
        return None
    if start >= size:
        return "unsatisfiable"
    return start, min(end, size - 1)


def serve_track_file(request: HttpRequest, track: Track, kind: str) -> HttpResponseBase:
    """The file ``kind`` of a ready track, honouring Range, If-None-Match and ?download=1.

    Raises :class:`~himig.studio.services.TrackNotReady` (answer 409) and Http404.
    """
    name = stored_name(track, kind)
    content_type, _ = KINDS[kind]
    download = request.GET.get("download") in {"1", "true", "yes"}
    # On S3 the browser fetches from the bucket through a short-lived signed URL (S3
    # answers Range itself), so no web worker streams audio. None on local storage.
    remote = signed_url(name, download_name=download_name(track, kind) if download else None, content_type=content_type)
    if remote is not None:
        if download and not request.headers.get("Range"):
            Track.objects.filter(pk=track.pk).update(download_count=F("download_count") + 1)
            record_event("download", getattr(request, "user", None), track_id=str(track.pk), format=kind)
        redirect = HttpResponseRedirect(remote)
        # The signed URL expires: never let a cache keep the redirect longer than that.
        redirect["Cache-Control"] = "private, no-store"
        return redirect
    try:
        size = default_storage.size(name)
        modified: Any = default_storage.get_modified_time(name)
    except (FileNotFoundError, OSError):
        logger.error("track %s: stored file %s is missing", track.pk, name)
        raise Http404("file missing") from None
    etag = quote_etag(f"{track.pk.hex[:16]}-{kind}-{size}-{int(modified.timestamp())}")
    common = {
        "Accept-Ranges": "bytes",
        "ETag": etag,
        "Last-Modified": http_date(modified.timestamp()),
        "Cache-Control": "private, max-age=3600",
        "X-Content-Type-Options": "nosniff",
    }
    if download:
        filename = download_name(track, kind)
        common["Content-Disposition"] = f"attachment; filename=\"{filename}\"; filename*=UTF-8''{quote(filename)}"

    if_none_match = request.headers.get("If-None-Match")
    if if_none_match and etag in [tag.strip() for tag in if_none_match.split(",")]:
        response = HttpResponse(status=304)
        for header, value in common.items():
            response[header] = value
        return response

    span: tuple[int, int] | None | str = None
    range_header = request.headers.get("Range")
    if_range = request.headers.get("If-Range")
    # If-Range: only honour the range when the client's copy is still the current one.
    if range_header and (not if_range or if_range.strip() == etag):
        span = parse_range(range_header, size)
    if span == "unsatisfiable":
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        for header, value in common.items():
            response[header] = value
        return response

    if download and (span is None or (isinstance(span, tuple) and span[0] == 0)):
        # One download, however many range requests a download manager splits it into.
        Track.objects.filter(pk=track.pk).update(download_count=F("download_count") + 1)
        record_event("download", getattr(request, "user", None), track_id=str(track.pk), format=kind)

    start, end = span if isinstance(span, tuple) else (0, size - 1)
    length = max(0, end - start + 1)
    if request.method == "HEAD":
        response = HttpResponse(status=206 if isinstance(span, tuple) else 200, content_type=content_type)
    else:
        response = StreamingHttpResponse(
            _read(default_storage.open(name, "rb"), start, length),
            status=206 if isinstance(span, tuple) else 200,
            content_type=content_type,
        )
    response["Content-Length"] = str(length)
    if isinstance(span, tuple):
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    for header, value in common.items():
        response[header] = value
    return response
