"""gzip for the responses worth compressing: HTML, JSON and other text.

Django's ``GZipMiddleware`` would compress every response, including MP3/FLAC
downloads (already compressed; wasted CPU) and ``206 Partial Content`` answers,
where gzipping the slice breaks the byte ranges the player asked for. This
subclass compresses only textual content types and only whole responses.

BREACH: compressing a page that reflects attacker-chosen input next to a secret
lets the secret be guessed from response sizes. Django masks the CSRF token
anew on every response and its ``GZipMiddleware`` pads the gzip header with up
to 100 random bytes ("Heal the Breach"), which we keep. Static files are
compressed ahead of time (gzip and brotli) by WhiteNoise and never pass through
here; brotli for dynamic pages is left to the reverse proxy if one wants it.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBase
from django.middleware.gzip import GZipMiddleware

COMPRESSIBLE_TYPES = (
    "text/",
    "application/json",
    "application/problem+json",
    "application/javascript",
    "application/xml",
    "application/rss+xml",
    "image/svg+xml",
)


def is_compressible(response: HttpResponseBase) -> bool:
    content_type = response.get("Content-Type", "").split(";", 1)[0].strip().lower()
    return (
        response.status_code != 206
        and not response.has_header("Content-Range")
        and content_type.startswith(COMPRESSIBLE_TYPES)
    )


class TextGZipMiddleware(GZipMiddleware):
    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if not is_compressible(response):
            return response
        return super().process_response(request, response)  # type: ignore[no-any-return]
