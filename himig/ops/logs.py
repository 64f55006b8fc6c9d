"""Structured logging: one JSON object a line, tagged with the request and track in hand.

The request id is set by :mod:`himig.ops.middleware` for web requests; the worker sets
it (with the track id) through :func:`log_context` so that every line it writes about
a track carries the id of the request that asked for it.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import json
import logging
from collections.abc import Iterator
from typing import Any

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("himig_request_id", default=None)
_track_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("himig_track_id", default=None)

# LogRecord attributes that are plumbing, not facts worth a JSON key.
_RESERVED = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys()
    | {"message", "asctime", "request_id", "track_id", "taskName"}
)


def current_request_id() -> str | None:
    """The id of the request (or the request behind the task) being handled, if any."""
    return _request_id.get()


def current_track_id() -> str | None:
    return _track_id.get()


@contextlib.contextmanager
def log_context(*, request_id: str | None = None, track_id: object = None) -> Iterator[None]:
    """Tag every log line written inside the block with ``request_id`` / ``track_id``.

    For the generation worker::

        with log_context(request_id=request_id_from_the_task, track_id=track.id):
            ...
    """
    tokens: list[tuple[contextvars.ContextVar[str | None], contextvars.Token[str | None]]] = []
    if request_id is not None:
        tokens.append((_request_id, _request_id.set(str(request_id))))
    if track_id is not None:
        tokens.append((_track_id, _track_id.set(str(track_id))))
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


def set_request_id(value: str | None) -> contextvars.Token[str | None]:
    return _request_id.set(value)


def reset_request_id(token: contextvars.Token[str | None]) -> None:
    _request_id.reset(token)


class ContextFilter(logging.Filter):
    """Copies the request and track ids from the context onto every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _request_id.get() or "-"
        if not hasattr(record, "track_id"):
            record.track_id = _track_id.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line; ``extra={...}`` keys become top-level fields."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("request_id", "track_id"):
            value = getattr(record, key, None)
            if value and value != "-":
                out[key] = value
        for key, value in vars(record).items():
            if key not in _RESERVED and not key.startswith("_"):
                out[key] = value
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            out["stack"] = self.formatStack(record.stack_info)
        return json.dumps(out, default=str, ensure_ascii=False)
