"""Per-minute request statistics: buffered in the process, merged across processes by upserts."""

from __future__ import annotations

import datetime as dt

import pytest

from himig.ops import requeststats
from himig.ops.models import RequestStat
from himig.ops.requeststats import RequestStatBuffer, bucket_index, status_class


def test_status_classes_and_latency_buckets():
    assert [status_class(s) for s in (200, 302, 404, 503, 99)] == ["2xx", "3xx", "4xx", "5xx", "1xx"]
    assert [bucket_index(ms) for ms in (0.2, 10, 10.1, 5000, 5001)] == [0, 0, 1, 8, 9]


@pytest.mark.django_db
def test_requests_cost_no_database_write_until_the_flush(client, django_assert_num_queries, monkeypatch):
    buffer = RequestStatBuffer(flush_interval_s=3600)
    monkeypatch.setattr("himig.ops.middleware.buffer", buffer)
    with django_assert_num_queries(0):  # /api/health never touches the database, and neither do we
        for _ in range(5):
            assert client.get("/api/health").status_code == 200
    assert buffer.pending() == 5 and not RequestStat.objects.exists()
    assert buffer.flush() == 5
    row = RequestStat.objects.get()
    assert (row.surface, row.status_class, row.count) == ("api", "2xx", 5)
    assert sum(getattr(row, name) for name in requeststats.BUCKET_FIELDS) == 5


@pytest.mark.django_db
def test_two_processes_flushing_the_same_minute_add_up():
    minute = dt.datetime(2026, 1, 7, 10, 0, 30, tzinfo=dt.UTC)
    first, second = RequestStatBuffer(3600), RequestStatBuffer(3600)
    first.add("web", 200, 12, now=minute)
    second.add("web", 204, 40, now=minute + dt.timedelta(seconds=20))
    second.add("web", 500, 3, now=minute)
    first.flush()
    second.flush()
    ok = RequestStat.objects.get(status_class="2xx")
    assert (ok.minute, ok.count, ok.total_ms, ok.le_25, ok.le_50) == (minute.replace(second=0), 2, 52, 1, 1)
    assert RequestStat.objects.get(status_class="5xx").le_10 == 1


@pytest.mark.django_db
def test_a_due_buffer_flushes_itself(client, monkeypatch):
    buffer = RequestStatBuffer(flush_interval_s=0)
    monkeypatch.setattr("himig.ops.middleware.buffer", buffer)
    client.get("/no-such-page/")
    assert RequestStat.objects.get().status_class == "4xx"
    assert buffer.pending() == 0
