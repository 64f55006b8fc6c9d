"""``manage.py run``: web server and worker start together and stop together."""

from __future__ import annotations

import signal
import socket
import time
import urllib.request
from pathlib import Path

import pytest

from tests.studio.test_worker_integration import Site

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def site(tmp_path: Path) -> Site:
    made = Site(tmp_path / "data")
    made.data_dir.mkdir()
    made.manage("migrate", "--noinput", "-v", "0")
    made.manage("createcachetable")
    return made


def test_it_serves_and_runs_a_worker_and_sigterm_stops_both(site: Site) -> None:
    port = free_port()
    run = site.spawn("run", "--port", str(port), log="run.log")
    log = site.data_dir / "run.log"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            text = log.read_text() if log.exists() else ""
            if "Starting worker" in text:
                break
            assert run.poll() is None, text
            time.sleep(0.3)
        assert f"http://localhost:{port}/" in log.read_text()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/generate/", timeout=10) as response:
            assert response.status == 200
    finally:
        run.send_signal(signal.SIGTERM)
        code = run.wait(timeout=60)
    assert code == 0
    assert "Himig stopped." in log.read_text()
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/generate/", timeout=2)


def test_when_a_child_dies_the_other_is_stopped_and_it_exits_nonzero(site: Site) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        run = site.spawn("run", "--port", str(port), log="run.log")
        code = run.wait(timeout=120)
    assert code != 0
    text = (site.data_dir / "run.log").read_text()
    assert "the web process exited" in text


def test_ctrl_c_mid_generation_leaves_no_track_running(site: Site) -> None:
    track_id = site.request_track(120)
    port = free_port()
    run = site.spawn("run", "--port", str(port), log="run.log")
    try:
        site.wait_for(track_id, lambda r: r["status"] == "running", timeout=180, proc=run)
    finally:
        run.send_signal(signal.SIGINT)
        code = run.wait(timeout=90)
    assert code == 0
    row = site.track(track_id)
    # Finished within the grace period, or handed back to the queue for the next start.
    assert row["status"] in ("ready", "queued"), row
    if row["status"] == "queued":
        assert "Queued 1 unfinished track(s) again" in (site.data_dir / "run.log").read_text()
