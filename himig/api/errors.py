"""The API's one error shape: ``{"error": <for a person>, "code": <for a program>, "details": {...}}``.

Every refusal inside the API is an :class:`ApiError` (or is turned into one by the
handlers in :mod:`himig.api.api`), so clients parse a single format whatever went wrong.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or {}
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return {"error": self.message, "code": self.code, "details": self.details}


def not_found(what: str = "Track") -> ApiError:
    # Missing and someone else's answer the same, so ids cannot be probed.
    return ApiError(404, "not_found", f"{what} not found.")


def validation_error(fields: dict[str, str]) -> ApiError:
    names = ", ".join(sorted(fields))
    return ApiError(422, "validation_error", f"Invalid value for: {names}.", {"fields": fields})
