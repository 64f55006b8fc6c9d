"""Who is calling: an ``Authorization: Bearer <key>`` header, or the browser session (with CSRF).

Both handlers return the active ``User`` (ninja stores it as ``request.auth``) and, for
unsafe methods, count the request against the per-user-or-key write limit.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.middleware.csrf import CsrfViewMiddleware
from ninja.security import HttpBearer
from ninja.security.base import AuthBase

from himig import ratelimit
from himig.api.errors import ApiError
from himig.api.services import authenticate_key

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def note_rate_limit(request: HttpRequest, limit: ratelimit.RateLimit) -> None:
    """Remember a limit's state so its X-RateLimit-* headers go out on whatever response follows."""
    request.himig_rate_limit = limit  # type: ignore[attr-defined]


def check_body_size(request: HttpRequest) -> None:
    """413 from the declared length, before anything reads the body (Django would raise a 400)."""
    try:
        length = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        raise ApiError(400, "bad_request", "The Content-Length header is not a number.") from None
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is not None and length > limit:
        raise ApiError(
            413, "body_too_large", f"The request body is {length} bytes; the limit is {limit}.", {"limit": limit}
        )


def _count_write(request: HttpRequest, ident: str) -> None:
    if request.method in SAFE_METHODS:
        return
    limit = ratelimit.hit(
        "api_write", ident, settings.HIMIG_RATE_API_WRITES, settings.HIMIG_RATE_API_WRITES_WINDOW
    )
    note_rate_limit(request, limit)
    if not limit.allowed:
        raise ratelimit.RateLimited(limit)


class BearerKey(HttpBearer):
    """``Authorization: Bearer hm_…``: a present but unusable key is a 401 at once, never a fall-through."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        check_body_size(request)
        key = authenticate_key(token)
        if key is None:
            raise ApiError(401, "invalid_api_key", "The API key is unknown or has been revoked.")
        request.api_key = key  # type: ignore[attr-defined]
        # Logs, metrics and analytics events read request.user; a key acts as its owner.
        request.user = key.user
        _count_write(request, f"key:{key.pk}")
        return key.user


class Session(AuthBase):
    """The signed-in browser session (guests included); unsafe methods need the CSRF token."""

    openapi_type = "apiKey"
    openapi_in = "cookie"

    def __init__(self) -> None:
        self.openapi_name = settings.SESSION_COOKIE_NAME
        super().__init__()

    def __call__(self, request: HttpRequest) -> Any:
        check_body_size(request)
        user = getattr(request, "user", None)
        if (user is None or not user.is_authenticated) and hasattr(request, "session"):
            # A guest is not logged in; the session remembers its id (accounts.services).
            from himig.accounts.services import current_guest

            user = current_guest(request)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        if request.method not in SAFE_METHODS and _csrf_rejects(request):
            raise ApiError(
                403, "csrf_failed", "CSRF check failed: send the X-CSRFToken header with the csrftoken cookie."
            )
        request.api_key = None  # type: ignore[attr-defined]
        _count_write(request, f"user:{user.pk}")
        return user


def _csrf_rejects(request: HttpRequest) -> bool:
    # Django's own check (token, Origin/Referer); ninja marks API views csrf_exempt so it is ours to run.
    middleware = CsrfViewMiddleware(lambda r: None)  # type: ignore[arg-type, return-value]
    request.csrf_processing_done = False  # type: ignore[attr-defined]
    middleware.process_request(request)
    return middleware.process_view(request, lambda r: None, (), {}) is not None


api_auth = [BearerKey(), Session()]
