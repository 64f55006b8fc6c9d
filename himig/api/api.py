"""The NinjaAPI instance mounted at ``/api/``: parsing, error handlers and routers.

Every response goes out as JSON ``{"error","code","details"}`` on failure, with the
X-RateLimit-* headers of whatever limit the request was counted against.
"""

from __future__ import annotations

import functools
import json
import logging
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, re_path
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser

from himig import ratelimit
from himig.api.auth import api_auth
from himig.api.errors import ApiError, validation_error

logger = logging.getLogger(__name__)


class UnsupportedMediaType(Exception):
    pass


class JsonOnlyParser(Parser):
    """JSON bodies only: another content type is a 415, not a confusing parse error."""

    def parse_body(self, request: HttpRequest) -> Any:
        content_type = (request.content_type or "").lower()
        if content_type != "application/json" and not content_type.endswith("+json"):
            raise UnsupportedMediaType(content_type or "none")
        data = json.loads(request.body)
        bad = _first_nul(data)
        if bad is not None:
            # PostgreSQL cannot store NUL in text; refuse it here rather than fail in the database.
            raise validation_error({bad or "body": "Text may not contain NUL (\\u0000) characters."})
        return data


def _first_nul(value: Any, path: str = "") -> str | None:
    """The dotted path of the first string holding a NUL character, or None."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        if isinstance(key, str) and "\x00" in key:
            return path or "body"
        found = _first_nul(item, f"{path}.{key}" if path else str(key))
        if found is not None:
            return found
    return None


class HimigAPI(NinjaAPI):
    def _with_limit_headers(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        limit = getattr(request, "himig_rate_limit", None)
        if limit is not None:
            for name, value in limit.headers().items():
                response[name] = value
        return response

    def create_temporal_response(self, request: HttpRequest) -> HttpResponse:
        # Created after authentication, so the write limit counted there is already known.
        return self._with_limit_headers(request, super().create_temporal_response(request))

    def create_response(
        self,
        request: HttpRequest,
        data: Any,
        *,
        status: int | None = None,
        temporal_response: HttpResponse | None = None,
    ) -> HttpResponse:
        response = super().create_response(request, data, status=status, temporal_response=temporal_response)
        return self._with_limit_headers(request, response)


    def get_openapi_operation_id(self, operation: Any) -> str:
        # "list_tracks", not "himig_api_routes_tracks_list_tracks": names clients generate code from.
        return str(operation.view_func.__name__)

    def _get_urls(self) -> list[Any]:
        # Two answers ninja and Django give in plain text or HTML become JSON errors:
        # a wrong method (405) and a path under /api/ that matches nothing (404).
        patterns = super()._get_urls()
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                pattern.callback = _json_405(pattern.callback)
        patterns.append(re_path(r"^.*$", _unknown_path, name="unknown"))
        return patterns


def _json_405(view: Any) -> Any:
    @functools.wraps(view)  # keeps csrf_exempt: the API runs its own CSRF check
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and response.get("Content-Type", "").startswith("text/html"):
            allowed = response.get("Allow", "")
            error = ApiError(405, "method_not_allowed", f"{request.method} is not allowed here; use {allowed}.",
                             {"allowed": [m.strip() for m in allowed.split(",") if m.strip()]})
            json_response = error_response(request, error)
            json_response["Allow"] = allowed
            return json_response
        return response

    return wrapped


@csrf_exempt
def _unknown_path(request: HttpRequest) -> HttpResponse:
    return error_response(request, ApiError(404, "not_found", f"No API endpoint at {request.path}."))


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("himig")
    except PackageNotFoundError:
        return "0.0.0"


api = HimigAPI(
    title="Himig API",
    version=_version(),
    description=(
        "Generate music from a text description and manage your library. Authenticate with "
        "`Authorization: Bearer <API key>` (create keys at /settings/api-keys/) or the browser session "
        "(unsafe methods then need the `X-CSRFToken` header). Errors are JSON "
        '`{"error", "code", "details"}`.'
    ),
    urls_namespace="api",
    parser=JsonOnlyParser(),
    auth=api_auth,
    # Swagger UI's assets come from our /static/ ("ninja" is an installed app); no
    # validator badge either, which would call validator.swagger.io.
    docs=Swagger(settings={"validatorUrl": None, "persistAuthorization": True}),
)


def error_response(request: HttpRequest, error: ApiError) -> HttpResponse:
    response = api.create_response(request, error.body(), status=error.status)
    for name, value in error.headers.items():
        response[name] = value
    return response


@api.exception_handler(ApiError)
def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return error_response(request, exc)


@api.exception_handler(ratelimit.RateLimited)
def _rate_limited(request: HttpRequest, exc: ratelimit.RateLimited) -> HttpResponse:
    limit = exc.limit
    request.himig_rate_limit = limit  # type: ignore[attr-defined]
    return error_response(
        request,
        ApiError(
            429,
            "rate_limited",
            f"Too many requests: try again in {limit.retry_after} s.",
            {"scope": limit.scope, "limit": limit.limit, "retry_after": limit.retry_after},
            headers=limit.headers(),
        ),
    )


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = error_response(
        request,
        ApiError(401, "unauthenticated", "Sign in or send 'Authorization: Bearer <API key>'."),
    )
    response["WWW-Authenticate"] = 'Bearer realm="himig"'
    return response


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    cause = exc.__cause__
    if isinstance(cause, ApiError):  # raised by our parser, wrapped by ninja
        return error_response(request, cause)
    if isinstance(cause, UnsupportedMediaType):
        return error_response(
            request,
            ApiError(
                415,
                "unsupported_media_type",
                f"Send the body as JSON (Content-Type: application/json), not {cause}.",
            ),
        )
    if exc.status_code == 400:
        return error_response(request, ApiError(400, "malformed_json", "The request body is not valid JSON."))
    return error_response(request, ApiError(exc.status_code, "http_error", str(exc)))


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields: dict[str, str] = {}
    for item in exc.errors:
        loc = [str(part) for part in item.get("loc", ()) if part not in ("body", "payload", "query", "path")]
        name = ".".join(loc) or "body"
        fields.setdefault(name, str(item.get("msg", "invalid")))
    return error_response(request, validation_error(fields))


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return error_response(request, ApiError(413, "body_too_large", "The request body is too large."))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, ApiError(404, "not_found", "Not found."))


@api.exception_handler(Exception)
def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    # Only real bugs land here; every client mistake has its own handler above.
    logger.exception("unhandled error in %s %s", request.method, request.path)
    return error_response(request, ApiError(500, "server_error", "Something went wrong on our side."))


from himig.api.routes import catalog, generate, health, me, tracks  # noqa: E402  (routers use the api above)

api.add_router("", health.router)
api.add_router("", generate.router)
api.add_router("", tracks.router)
api.add_router("", catalog.router)
api.add_router("", me.router)
