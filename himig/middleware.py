"""Security headers for every response, including a strict Content Security Policy.

Django 5.2 has no built-in CSP, so this middleware writes it. The policy forbids
inline scripts and styles: every template loads its JS and CSS from /static/.
Forms may only post to this site and to the sign-in providers that are on (after
a form posts to allauth, the browser is redirected to the provider, and CSP's
form-action covers that redirect).
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from himig.conf import envstr

# Defaults of the providers' authorisation pages (overridable in settings).
_PROVIDER_AUTHORIZE_ORIGINS = {
    "google": "https://accounts.google.com",
    "github": "https://github.com",
}

PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return None


def provider_origins() -> list[str]:
    """Origins of the authorisation pages of the enabled sign-in providers."""
    from himig.accounts.providers import enabled_providers

    configured = getattr(settings, "SOCIALACCOUNT_PROVIDERS", {})
    origins: list[str] = []
    for provider in enabled_providers():
        conf = configured.get(provider["id"], {})
        url = conf.get("AUTHORIZE_URL") or conf.get("GITHUB_URL") or _PROVIDER_AUTHORIZE_ORIGINS[provider["id"]]
        origin = _origin(url)
        if origin and origin not in origins:
            origins.append(origin)
    return origins


def build_csp() -> str:
    media = ["'self'", "blob:"]
    # Signed audio URLs point at the S3 endpoint when audio lives in a bucket.
    endpoint = envstr("HIMIG_S3_ENDPOINT_URL") if getattr(settings, "HIMIG_S3_BUCKET", "") else ""
    s3_origin = _origin(endpoint) if endpoint else None
    if s3_origin:
        media.append(s3_origin)
    # Static files may sit on a CDN (HIMIG_STATIC_URL=https://cdn…/static/).
    static_origin = _origin(getattr(settings, "STATIC_URL", "") or "")
    extra_static = [static_origin] if static_origin else []
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *extra_static],
        "style-src": ["'self'", *extra_static],
        "img-src": ["'self'", "data:", *extra_static],
        "font-src": ["'self'", *extra_static],
        "media-src": media,
        "connect-src": ["'self'", *([s3_origin] if s3_origin else [])],
        "manifest-src": ["'self'", *extra_static],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'", *provider_origins()],
    }
    if getattr(settings, "HIMIG_HTTPS", False):
        directives["upgrade-insecure-requests"] = []
    return "; ".join(" ".join([name, *values]) for name, values in directives.items())


class SecurityHeadersMiddleware:
    """Adds CSP, Permissions-Policy and friends unless a view set its own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        # Settings do not change while the process runs: build the policy once.
        self.csp = build_csp()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.csp)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        return response
