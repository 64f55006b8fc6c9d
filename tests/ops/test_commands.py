"""Maintenance commands: summaries, --dry-run, idempotency, and a backup → restore round trip."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from himig.ops.maintenance import find_orphans
from himig.ops.models import Event
from himig.studio.models import Track

from .conftest import event

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, **kwargs) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, **kwargs)
    return out.getvalue()


# --- cleanup_guests ---------------------------------------------------------------


@pytest.fixture
def guests(user_factory, stored_track, media):
    long_ago = timezone.now() - dt.timedelta(days=120)
    old = user_factory(guest=True, date_joined=long_ago)
    old_track = stored_track(old, created_at=long_ago)
    event("music_generation_requested", old, long_ago.strftime("%Y-%m-%d %H:%M"))
    active = user_factory(guest=True, date_joined=long_ago)  # old, but generated last week
    stored_track(active, created_at=timezone.now() - dt.timedelta(days=7))
    fresh = user_factory(guest=True)
    member = user_factory("member@example.com", date_joined=long_ago)
    member_track = stored_track(member, created_at=long_ago)
    return {
        "old": old,
        "old_track": old_track,
        "active": active,
        "fresh": fresh,
        "member_track": member_track,
    }


@pytest.mark.django_db
def test_cleanup_guests_dry_run_counts_and_changes_nothing(guests):
    out = run("cleanup_guests", "--days", "90", "--dry-run")
    assert out.strip() == (
        "cleanup_guests (dry run): would remove 1 guests, 1 tracks, 2 files, 1 events (inactive for 90+ days); "
        "0 request-statistics rows, 0 task results, 0 expired sessions, 0 silent worker heartbeats "
        "(statistics kept 90 days, task results 14 days)"
    )
    assert Track.objects.filter(pk=guests["old_track"].pk).exists()
    assert all(default_storage.exists(n) for n in guests["old_track"].files.values())


@pytest.mark.django_db
def test_cleanup_guests_removes_rows_and_files_once_and_leaves_no_orphans(
    guests, django_user_model, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        out = run("cleanup_guests", "--days", "90")
    assert "removed 1 guests, 1 tracks, 2 files, 1 events" in out
    assert not django_user_model.objects.filter(pk=guests["old"].pk).exists()
    assert not Event.objects.filter(user_id=guests["old"].pk).exists()
    assert not any(default_storage.exists(n) for n in guests["old_track"].files.values())
    assert django_user_model.objects.filter(pk__in=[guests["active"].pk, guests["fresh"].pk]).count() == 2
    assert all(default_storage.exists(n) for n in guests["member_track"].files.values())
    report = find_orphans()
    assert report.files == [] and report.missing == {}
    with django_capture_on_commit_callbacks(execute=True):
        again = run("cleanup_guests", "--days", "90")
    assert "removed 0 guests, 0 tracks, 0 files, 0 events" in again


# --- orphans ------------------------------------------------------------------------


@pytest.mark.django_db
def test_orphans_reports_fixes_and_is_idempotent(
    user_factory, stored_track, track_factory, media, django_capture_on_commit_callbacks
):
    user = user_factory()
    healthy = stored_track(user)
    broken = stored_track(user)
    broken_files = dict(broken.files)
    default_storage.delete(broken_files["wav"])
    stray = default_storage.save(
        "tracks/999/00000000-0000-0000-0000-000000000000/track.mp3", ContentFile(b"x")
    )
    running = track_factory(user, status="running")
    from himig.studio.services import track_folder

    in_progress = default_storage.save(f"{track_folder(running)}/track.wav", ContentFile(b"being written"))

    out = run("orphans", "--delete", "--fail-missing", "--dry-run")
    assert f"orphan file: {stray}" in out
    assert f"track {broken.pk}: missing {broken.files['wav']}" in out
    assert in_progress not in out and str(healthy.pk) not in out
    assert out.strip().endswith("orphans (dry run): 1 files without a track, 1 tracks with missing files")
    assert default_storage.exists(stray)

    with django_capture_on_commit_callbacks(execute=True):
        out = run("orphans", "--delete", "--fail-missing")
    assert out.strip().endswith(
        "1 files without a track, 1 tracks with missing files; deleted 1 files, marked 1 tracks failed"
    )
    assert not default_storage.exists(stray) and default_storage.exists(in_progress)
    broken.refresh_from_db()
    assert broken.status == "failed" and "missing" in broken.error
    assert not default_storage.exists(broken_files["mp3"])  # a failed track owns no files

    assert run("orphans", "--delete", "--fail-missing").strip() == (
        "orphans: 0 files without a track, 0 tracks with missing files"
    )


# --- analyze_db ---------------------------------------------------------------------


@pytest.mark.django_db
def test_analyze_db(user_factory):
    user_factory()
    vendor = connection.vendor
    statements = "ANALYZE; PRAGMA optimize" if vendor == "sqlite" else "ANALYZE"
    assert (
        run("analyze_db", "--dry-run").strip() == f"analyze_db (dry run): would run {statements} on {vendor}"
    )
    assert run("analyze_db").strip() == f"analyze_db: ran {statements} on {vendor}"
    with connection.cursor() as cursor:
        if vendor == "sqlite":
            cursor.execute("SELECT COUNT(*) FROM sqlite_stat1")
        else:
            cursor.execute("SELECT COUNT(*) FROM pg_stats WHERE tablename = 'accounts_user'")
        assert cursor.fetchone()[0] > 0  # the planner now has statistics
    assert run("analyze_db").strip() == f"analyze_db: ran {statements} on {vendor}"  # and again, harmlessly


# --- backup and restore (separate instances, separate processes) ---------------------


def instance_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HIMIG_", "DATABASE_URL"))}
    env.update(
        HIMIG_DATA_DIR=str(data_dir),
        HIMIG_SECRET_KEY="x",
        HIMIG_STATIC_MANIFEST="0",
        HIMIG_LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    if check and result.returncode != 0:
        raise AssertionError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def fingerprint(env: dict[str, str]) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, "-m", "tests.ops.instance", "fingerprint"], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=600, check=True,
    )  # fmt: skip
    return json.loads(result.stdout)


def seed(env: dict[str, str]) -> None:
    manage(env, "migrate", "-v0")
    subprocess.run(
        [sys.executable, "-m", "tests.ops.instance", "seed"], cwd=ROOT, env=env, check=True, timeout=600
    )


def round_trip(source: dict[str, str], target: dict[str, str], archive: Path) -> None:
    seed(source)
    dry = manage(source, "backup", "--out", str(archive), "--dry-run")
    assert "backup (dry run): would write" in dry.stdout and not archive.exists()
    out = manage(source, "backup", "--out", str(archive))
    assert out.stdout.startswith("backup: wrote") and "6 files" in out.stdout
    before = fingerprint(source)
    assert len(before["files"]) == 6 and before["counts"]["studio.Track"] == 3

    check = manage(target, "restore", str(archive), "--dry-run")
    assert "is intact" in check.stdout
    out = manage(target, "restore", str(archive))
    assert "every checksum and row count verified" in out.stdout
    assert fingerprint(target) == before

    refused = manage(target, "restore", str(archive), check=False)
    assert refused.returncode != 0 and "already holds" in refused.stderr
    forced = manage(target, "restore", str(archive), "--force")
    assert "verified" in forced.stdout
    assert fingerprint(target) == before


@pytest.mark.slow
def test_backup_restore_round_trip_sqlite(tmp_path):
    round_trip(instance_env(tmp_path / "a"), instance_env(tmp_path / "b"), tmp_path / "himig.tar.gz")


@pytest.mark.slow
def test_restore_rejects_a_damaged_archive_and_changes_nothing(tmp_path):
    source = instance_env(tmp_path / "a")
    seed(source)
    archive = tmp_path / "good.tar"
    manage(source, "backup", "--out", str(archive))
    damaged = tmp_path / "damaged.tar"
    with tarfile.open(archive) as good, tarfile.open(damaged, "w") as bad:
        for info in good:
            data = good.extractfile(info).read()
            if info.name.startswith("media/") and info.name.endswith(".wav"):
                data = b"\0" + data[1:]
            bad.addfile(info, io.BytesIO(data))
    target = instance_env(tmp_path / "b")
    result = manage(target, "restore", str(damaged), check=False)
    assert (
        result.returncode != 0
        and "checksum mismatch" in result.stderr
        and "nothing was changed" in result.stderr
    )
    assert not (tmp_path / "b" / "media").exists()


def _pg_available() -> bool:
    try:
        import psycopg

        psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", connect_timeout=2).close()
        return True
    except Exception:  # noqa: BLE001
        return False


@pytest.mark.slow
@pytest.mark.postgres
def test_backup_restore_round_trip_postgresql(tmp_path):
    if not _pg_available():
        if os.environ.get("HIMIG_REQUIRE_SERVICES"):
            pytest.fail("PostgreSQL is required but not reachable")
        pytest.skip("PostgreSQL not reachable")
    import secrets

    import psycopg

    names = [f"himig_bk_{secrets.token_hex(4)}_{side}" for side in "ab"]
    admin = psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True)
    try:
        for name in names:
            admin.execute(f'CREATE DATABASE "{name}"')
        source, target = (
            instance_env(tmp_path / side, DATABASE_URL=f"postgresql://postgres@127.0.0.1:5432/{name}")
            for side, name in zip("ab", names, strict=True)
        )
        round_trip(source, target, tmp_path / "himig.tar")
    finally:
        for name in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


# --- seed_demo_data -------------------------------------------------------------------


@pytest.mark.django_db
def test_seed_demo_data_replaces_itself_and_clears_completely(django_user_model):
    from himig.ops import kpis
    from himig.ops.models import RequestStat

    first = run("seed_demo_data", "--days", "5", "--users", "6", "--seed", "3")
    assert first.startswith("seed_demo_data: 6 people, 3 guests")
    counts = (django_user_model.objects.count(), Track.objects.count(), Event.objects.count())
    assert (
        run("seed_demo_data", "--days", "5", "--users", "6", "--seed", "3") == first
    )  # same seed, same data
    assert (django_user_model.objects.count(), Track.objects.count(), Event.objects.count()) == counts
    d = kpis.compute(kpis.parse_range({"days": "5"}))
    assert d.registrations_total == 6 and d.surfaces["web"].requests > 0

    assert "removed 9 demo people" in run("seed_demo_data", "--clear")
    assert not django_user_model.objects.exists() and not Track.objects.exists()
    assert not Event.objects.exists() and not RequestStat.objects.exists()


@pytest.mark.django_db
def test_seed_demo_data_refuses_an_instance_with_real_people(user_factory):
    from django.core.management.base import CommandError

    user_factory("real@example.com")
    with pytest.raises(CommandError, match="real people"):
        run("seed_demo_data", "--days", "2", "--users", "2")
