"""Request observability: a request id, an access log line, metrics and per-minute stats.

Put first in ``MIDDLEWARE`` so the timing covers every other middleware and every
response (redirects and errors included) carries ``X-Request-ID``.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase

from himig.ops import metrics
from himig.ops.logs import current_request_id, reset_request_id, set_request_id
from himig.ops.requeststats import buffer

__all__ = ["RequestObservabilityMiddleware", "current_request_id", "surface_of"]

logger = logging.getLogger("himig.request")

REQUEST_ID_HEADER = "X-Request-ID"
# An incoming id is kept only if it is short and plain, so it is safe in logs and headers.
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:@-]{1,128}$")


def incoming_or_new_request_id(raw: str | None) -> str:
    if raw and _SAFE_ID.match(raw):
        return raw
    return uuid.uuid4().hex


def surface_of(path: str) -> str:
    """Which part of Himig a path belongs to, for the dashboard's web/API split."""
    if path.startswith("/api/"):
        return "api"
    if path.startswith(("/static/", "/media/")):
        return "static"
    if path.startswith("/admin/"):
        return "admin"
    if path.startswith("/ops/") or path == "/metrics":
        return "ops"
    return "web"


def route_name(request: HttpRequest) -> str:
    """A bounded label for metrics: the URL pattern's name, never the raw path."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unresolved"
    return match.view_name or match.route or "unnamed"


class RequestObservabilityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request_id = incoming_or_new_request_id(request.META.get("HTTP_X_REQUEST_ID"))
        request.request_id = request_id  # type: ignore[attr-defined]
        token = set_request_id(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            elapsed = time.perf_counter() - started
            response[REQUEST_ID_HEADER] = request_id
            self._record(request, response.status_code, elapsed)
            return response
        finally:
            reset_request_id(token)

    def _record(self, request: HttpRequest, status: int, elapsed: float) -> None:
        route = route_name(request)
        surface = surface_of(request.path)
        try:
            metrics.observe_request(route, request.method or "-", status, elapsed)
            buffer.add(surface, status, elapsed * 1000)
        except Exception:  # noqa: BLE001 - observability never costs a user their response
            logger.warning("could not record request metrics", exc_info=True)
        user = getattr(request, "user", None)
        logger.info(
            "%s %s %s %.1fms",
            request.method,
            request.path,
            status,
            elapsed * 1000,
            extra={
                "method": request.method,
                "path": request.path,
                "status": status,
                "duration_ms": round(elapsed * 1000, 1),
                "route": route,
                "surface": surface,
                "user_id": getattr(user, "pk", None) if user is not None and user.is_authenticated else None,
            },
        )
