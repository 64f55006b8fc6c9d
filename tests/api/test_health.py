from __future__ import annotations

import pytest
from django.db import OperationalError, connection
from django.test import Client


def test_health_answers_without_the_database(django_assert_num_queries) -> None:
    with django_assert_num_queries(0):
        response = Client().get("/api/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["version"]


def test_health_answers_head() -> None:
    response = Client().head("/api/health")
    assert response.status_code == 200


@pytest.mark.django_db
def test_db_health_runs_a_real_query(django_assert_num_queries) -> None:
    with django_assert_num_queries(1):
        response = Client().get("/api/db-health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["latency_ms"] >= 0


@pytest.mark.django_db
def test_db_health_head() -> None:
    assert Client().head("/api/db-health").status_code == 200


@pytest.mark.django_db
def test_db_health_is_503_with_a_reason_when_the_database_is_unreachable(monkeypatch) -> None:
    def unreachable(*args, **kwargs):
        raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr(connection, "cursor", unreachable)
    response = Client().get("/api/db-health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["code"] == "database_unavailable"
    assert "Connection refused" in body["details"]["reason"]
