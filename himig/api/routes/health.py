"""Probes for load balancers and operators: ``/api/health`` (process only) and ``/api/db-health``."""

from __future__ import annotations

import time

from django.db import DatabaseError, connection
from django.http import HttpRequest
from ninja import Router
from ninja.responses import Status

from himig.api.schemas import DbHealthDownOut, DbHealthOut, HealthOut

router = Router(tags=["health"])


@router.api_operation(["HEAD"], "/health", response=HealthOut, auth=None, url_name="health", operation_id="health_head")
@router.get("/health", response=HealthOut, auth=None, url_name="health", operation_id="health")
def health(request: HttpRequest) -> dict[str, str]:
    """Answers as long as the web process runs; never touches the database."""
    from himig.api.api import api

    return {"status": "ok", "version": api.version}


@router.api_operation(
    ["HEAD"], "/db-health", response={200: DbHealthOut, 503: DbHealthDownOut}, auth=None, url_name="db_health",
    operation_id="db_health_head",
)
@router.get(
    "/db-health", response={200: DbHealthOut, 503: DbHealthDownOut}, auth=None, url_name="db_health",
    operation_id="db_health",
)
def db_health(request: HttpRequest) -> Status:
    """A real round trip to the database; 503 with the reason when it cannot be reached."""
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return Status(
            503,
            {
                "status": "unavailable",
                "error": "The database is unreachable.",
                "code": "database_unavailable",
                "details": {"reason": str(exc) or type(exc).__name__},
            },
        )
    return Status(200, {"status": "ok", "latency_ms": round((time.perf_counter() - started) * 1000, 3)})
