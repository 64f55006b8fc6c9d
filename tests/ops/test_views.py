"""Staff-only pages, the /metrics guard and content, request ids, the status page."""

from __future__ import annotations

import json
import logging

import pytest
from django.test import override_settings
from prometheus_client.parser import text_string_to_metric_families

from himig.ops import health
from himig.ops.models import WorkerHeartbeat

from .conftest import event


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/ops/", "/ops/status", "/ops/status.json"])
def test_anonymous_visitors_are_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/ops/", "/ops/status", "/ops/status.json"])
def test_signed_in_non_staff_get_403(client, user_factory, path):
    client.force_login(user_factory())
    assert client.get(path).status_code == 403


@pytest.mark.django_db
def test_staff_see_the_dashboard_with_charts_and_figures(client, staff_user, user_factory):
    someone = user_factory()
    event("sign_up", someone, "2026-01-05 10:00")
    client.force_login(staff_user)
    response = client.get("/ops/?from=2026-01-01&to=2026-01-31")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('<svg class="chart"') == 6
    assert '<title id="reg-t">Registrations per day</title>' in html
    assert "Jan 5: 1" in html  # the bar's exact value
    assert "no live worker" in html  # no heartbeat at all: shown red
    assert "kpi-bad" in html
    assert "style=" not in html.split("<main", 1)[1]  # strict CSP: no inline styles


@pytest.mark.django_db
def test_the_dashboard_shows_a_live_worker_as_ok(client, staff_user):
    WorkerHeartbeat.objects.create(worker_id="w1", hostname="h", pid=1)
    client.force_login(staff_user)
    html = client.get("/ops/?days=7").content.decode()
    assert "generation running normally" in html
    assert "w1" in html


@pytest.mark.django_db
def test_metrics_are_served_to_loopback_and_parse(client, user_factory, track_factory):
    user = user_factory()
    track_factory(user, genre="Jazz", status="ready", generation_ms=1500)
    track_factory(user, genre="Jazz", status="failed")
    track_factory(user, status="queued")
    event("rate_limit_hit", user, "2026-01-05 10:00", scope="generate")
    WorkerHeartbeat.objects.create(worker_id="w1", hostname="h", pid=1)
    client.get("/api/health")  # at least one observed request
    response = client.get("/metrics")
    assert response.status_code == 200
    families = {f.name: f for f in text_string_to_metric_families(response.content.decode())}
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value for f in families.values() for s in f.samples
    }
    assert samples[("himig_generations_total", (("genre", "Jazz"), ("outcome", "ready")))] == 1
    assert samples[("himig_generations_total", (("genre", "Jazz"), ("outcome", "failed")))] == 1
    assert samples[("himig_generation_duration_seconds_bucket", (("genre", "Jazz"), ("le", "1.0")))] == 0
    assert samples[("himig_generation_duration_seconds_bucket", (("genre", "Jazz"), ("le", "2.0")))] == 1
    assert samples[("himig_generation_duration_seconds_sum", (("genre", "Jazz"),))] == 1.5
    assert samples[("himig_generation_queue_depth", (("status", "queued"),))] == 1
    assert samples[("himig_workers_alive", ())] == 1
    assert samples[("himig_rate_limit_hits_total", (("scope", "generate"),))] == 1
    assert samples[("himig_metrics_database_up", ())] == 1
    assert "himig_http_requests" in families
    assert "himig_http_request_duration_seconds" in families
    routes = {s.labels.get("route") for s in families["himig_http_requests"].samples}
    assert any(route and "health" in route for route in routes), routes  # the URL name, not the raw path


@pytest.mark.django_db
def test_metrics_refuse_other_networks(client):
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 403


@pytest.mark.django_db
@override_settings(HIMIG_METRICS_TOKEN="s3cret-token", HIMIG_METRICS_ALLOWED_NETWORKS=[])
def test_metrics_token_guard(client):
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    ok = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token", REMOTE_ADDR="203.0.113.9")
    assert ok.status_code == 200
    assert b"himig_workers_alive" in ok.content


@pytest.mark.django_db
@override_settings(HIMIG_METRICS_ALLOWED_NETWORKS=["10.0.0.0/8"])
def test_metrics_allowed_network(client):
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403


@pytest.mark.django_db
def test_a_request_id_is_generated_and_an_incoming_one_is_echoed(client):
    generated = client.get("/metrics")["X-Request-ID"]
    assert len(generated) == 32
    assert client.get("/metrics")["X-Request-ID"] != generated
    assert client.get("/metrics", HTTP_X_REQUEST_ID="abc-123")["X-Request-ID"] == "abc-123"
    unsafe = client.get("/metrics", HTTP_X_REQUEST_ID="bad id\nX-Evil: 1")["X-Request-ID"]
    assert unsafe != "bad id\nX-Evil: 1" and len(unsafe) == 32


@pytest.mark.django_db
def test_log_lines_are_json_and_carry_the_request_id(client, caplog):
    from himig.ops.logs import ContextFilter, JsonFormatter

    caplog.set_level(logging.INFO, logger="himig.request")
    client.get("/metrics", HTTP_X_REQUEST_ID="req-42")
    (record,) = [r for r in caplog.records if r.name == "himig.request"]
    ContextFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "req-42"
    assert line["status"] == 200 and line["path"] == "/metrics" and line["route"] == "metrics"


def test_log_context_tags_worker_lines_with_request_and_track():
    from himig.ops.logs import ContextFilter, JsonFormatter, current_request_id, log_context

    record = logging.LogRecord("himig.worker", logging.INFO, __file__, 1, "rendering", None, None)
    with log_context(request_id="req-7", track_id="t-1"):
        assert current_request_id() == "req-7"
        ContextFilter().filter(record)
    assert current_request_id() is None
    line = json.loads(JsonFormatter().format(record))
    assert (line["request_id"], line["track_id"], line["message"]) == ("req-7", "t-1", "rendering")


@pytest.fixture
def healthy(monkeypatch):
    """SoundFont and model checks pass; everything else is the real dependency."""
    monkeypatch.setitem(health.CHECKS, "soundfont", lambda: "test SoundFont")
    monkeypatch.setitem(health.CHECKS, "embedding model", lambda: "test model")
    WorkerHeartbeat.objects.create(worker_id="w1", hostname="h", pid=1)


@pytest.mark.django_db
def test_status_all_ok(client, staff_user, healthy):
    client.force_login(staff_user)
    response = client.get("/ops/status.json")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert [c["name"] for c in body["checks"]] == list(health.CHECKS)
    assert all(c["ok"] for c in body["checks"])
    html = client.get("/ops/status")
    assert html.status_code == 200 and b"All systems working" in html.content


@pytest.mark.django_db
def test_status_reports_unwritable_storage_as_failed(client, staff_user, healthy, tmp_path, settings):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the media directory should be")
    settings.MEDIA_ROOT = str(blocker / "media")  # FileSystemStorage follows MEDIA_ROOT changes
    client.force_login(staff_user)
    response = client.get("/ops/status.json")
    assert response.status_code == 503
    checks = {c["name"]: c for c in response.json()["checks"]}
    assert checks["storage"]["ok"] is False
    assert "Error" in checks["storage"]["detail"]
    assert checks["database"]["ok"] is True
    page = client.get("/ops/status")
    assert page.status_code == 503 and b"Something needs attention" in page.content


@pytest.mark.django_db
def test_status_reports_no_live_worker(client, staff_user, monkeypatch):
    monkeypatch.setitem(health.CHECKS, "soundfont", lambda: "ok")
    monkeypatch.setitem(health.CHECKS, "embedding model", lambda: "ok")
    client.force_login(staff_user)
    checks = {c["name"]: c for c in client.get("/ops/status.json").json()["checks"]}
    assert checks["workers"]["ok"] is False
    assert "no worker" in checks["workers"]["detail"]


@pytest.mark.django_db
def test_dashboard_figures_are_kept_a_few_minutes_but_workers_are_live(client, staff_user, user_factory):
    client.force_login(staff_user)
    assert "Jan 5: 1" not in client.get("/ops/?from=2026-01-01&to=2026-01-31").content.decode()
    event("sign_up", user_factory(), "2026-01-05 10:00")
    WorkerHeartbeat.objects.create(worker_id="w1", hostname="h", pid=1)
    html = client.get("/ops/?from=2026-01-01&to=2026-01-31").content.decode()
    assert "Jan 5: 1" not in html  # the cached figures
    assert "generation running normally" in html  # but the worker tile is live
    assert "Jan 5: 1" in client.get("/ops/?from=2026-01-01&to=2026-01-31&fresh=1").content.decode()
