"""HTML and JSON go out gzipped; audio and byte ranges never do."""

from __future__ import annotations

import gzip
import json

from django.http import FileResponse, HttpResponse, JsonResponse
from django.test import RequestFactory

from himig.compression import TextGZipMiddleware


def compress(response: HttpResponse | FileResponse) -> HttpResponse | FileResponse:
    request = RequestFactory().get("/", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    return TextGZipMiddleware(lambda r: response)(request)  # type: ignore[return-value]


def test_it_gzips_json() -> None:
    payload = {"tracks": [{"id": i, "title": f"Track {i}"} for i in range(50)]}
    response = compress(JsonResponse(payload))
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert json.loads(gzip.decompress(response.content)) == payload


def test_it_gzips_html() -> None:
    html = "<!doctype html><title>Library</title>" + "<li>track</li>" * 100
    response = compress(HttpResponse(html, content_type="text/html; charset=utf-8"))
    assert response["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.content).decode() == html


def test_it_leaves_audio_alone() -> None:
    audio = b"ID3" + bytes(range(256)) * 40
    response = compress(HttpResponse(audio, content_type="audio/mpeg"))
    assert not response.has_header("Content-Encoding")
    assert response.content == audio


def test_it_leaves_a_partial_response_alone() -> None:
    body = "x" * 1000
    partial = HttpResponse(body, status=206, content_type="text/plain")
    partial["Content-Range"] = "bytes 0-999/5000"
    response = compress(partial)
    assert not response.has_header("Content-Encoding")
    assert response.content == body.encode()
