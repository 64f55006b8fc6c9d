"""Fake Google and GitHub OAuth endpoints on loopback for the browser suite.

The live server is configured (HIMIG_GITHUB_URL, HIMIG_GOOGLE_*_URL) to use these, so
the browser's hop to the provider and the server's token and profile requests all stay
on this machine. Each provider signs in whichever identity the test put in ``identities``.
"""

from __future__ import annotations

import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse


class FakeProviders:
    def __init__(self) -> None:
        self.identities: dict[str, dict[str, Any]] = {
            "github": {"id": 4242, "login": "octo", "name": "Octo Cat", "email": "octo@example.com"},
            "google": {"sub": "10769150350006150715113082367", "name": "Goo Gle", "email": "goo@example.com"},
        }
        self._tokens: dict[str, str] = {}  # access token -> provider
        self._codes: dict[str, str] = {}  # code -> provider
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def env(self) -> dict[str, str]:
        return {
            "HIMIG_GITHUB_CLIENT_ID": "fake-github-id",
            "HIMIG_GITHUB_CLIENT_SECRET": "fake-github-secret",
            "HIMIG_GITHUB_URL": f"{self.url}/github",
            "HIMIG_GOOGLE_CLIENT_ID": "fake-google-id",
            "HIMIG_GOOGLE_CLIENT_SECRET": "fake-google-secret",
            "HIMIG_GOOGLE_AUTHORIZE_URL": f"{self.url}/google/auth",
            "HIMIG_GOOGLE_TOKEN_URL": f"{self.url}/google/token",
            "HIMIG_GOOGLE_USERINFO_URL": f"{self.url}/google/userinfo",
        }

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _json(self, data: Any, status: int = 200) -> None:
                body = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _authorize(self, provider: str) -> None:
                query = parse_qs(urlparse(self.path).query)
                code = secrets.token_urlsafe(12)
                fake._codes[code] = provider
                target = query["redirect_uri"][0] + "?" + urlencode({"code": code, "state": query["state"][0]})
                self.send_response(302)
                self.send_header("Location", target)
                self.end_headers()

            def _token(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                form = parse_qs(self.rfile.read(length).decode())
                provider = fake._codes.pop(form.get("code", [""])[0], None)
                if provider is None:
                    self._json({"error": "invalid_grant"}, 400)
                    return
                token = secrets.token_urlsafe(16)
                fake._tokens[token] = provider
                self._json({"access_token": token, "token_type": "bearer", "scope": "read:user,user:email"})

            def _identity(self, provider: str) -> dict[str, Any] | None:
                auth = self.headers.get("Authorization", "")
                token = auth.split(" ", 1)[-1]
                if fake._tokens.get(token) != provider:
                    self._json({"message": "Bad credentials"}, 401)
                    return None
                return fake.identities[provider]

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                path = urlparse(self.path).path
                if path in ("/github/login/oauth/authorize", "/google/auth"):
                    self._authorize("github" if path.startswith("/github") else "google")
                elif path == "/github/api/v3/user":
                    who = self._identity("github")
                    if who:
                        self._json(who)
                elif path == "/github/api/v3/user/emails":
                    who = self._identity("github")
                    if who:
                        self._json([{"email": who["email"], "primary": True, "verified": True}])
                elif path == "/google/userinfo":
                    who = self._identity("google")
                    if who:
                        self._json({**who, "id": who["sub"], "email_verified": True, "verified_email": True})
                else:
                    self._json({"error": "not found"}, 404)

            def do_POST(self) -> None:  # noqa: N802
                path = urlparse(self.path).path
                if path in ("/github/login/oauth/access_token", "/google/token"):
                    self._token()
                else:
                    self._json({"error": "not found"}, 404)

        return Handler
