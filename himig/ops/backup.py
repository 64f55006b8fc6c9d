"""One-archive backups: a consistent database snapshot, every audio file, a manifest of checksums.

Archive layout (a tar file, gzip-compressed when the name ends in ``.gz``/``.tgz``)::

    database/himig.sqlite3      SQLite: a page-consistent copy from the online backup API
    database/postgres.dump      PostgreSQL: ``pg_dump --format=custom``
    media/tracks/…              every file under the audio folder of the default storage
    manifest.json               format, versions, row counts, sha256 and size of every member

The database is snapshotted first, then the files are copied: a track created in
between has its files in the archive but not its row (the restored ``orphans``
report names them); a track deleted in between is restored without its files.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import IO, Any

from django.apps import apps
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection, connections, transaction

FORMAT = "himig-backup"
FORMAT_VERSION = 1
AUDIO_PREFIX = "tracks"  # studio.services.track_folder puts every track's files under here
MANIFEST = "manifest.json"
CHUNK = 1024 * 1024


class BackupError(Exception):
    pass


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def sha256_stream(handle: IO[bytes]) -> str:
    digest = hashlib.sha256()
    while block := handle.read(CHUNK):
        digest.update(block)
    return digest.hexdigest()


def storage_names(prefix: str = AUDIO_PREFIX) -> list[str]:
    from himig.studio.services import stored_names

    return sorted(stored_names(prefix))


def model_tables() -> dict[str, str]:
    """label → table of every concrete model Himig and its libraries keep."""
    return {
        model._meta.label: model._meta.db_table
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    }


def row_counts(cursor: Any, existing: set[str]) -> dict[str, int]:
    counts = {}
    for label, table in sorted(model_tables().items()):
        if table in existing:
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 - table names from our own models
            counts[label] = cursor.fetchone()[0]
    return counts


def live_row_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        return row_counts(cursor, set(connection.introspection.table_names(cursor)))


def _pg_env_and_args() -> tuple[dict[str, str], list[str]]:
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    args = []
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    return env, args + ["--dbname", str(db["NAME"])]


def snapshot_database(target_dir: Path) -> tuple[str, Path, dict[str, int]]:
    """A consistent copy of the database; returns (member name, file, row counts)."""
    vendor = connection.vendor
    if vendor == "sqlite":
        path = target_dir / "himig.sqlite3"
        connection.ensure_connection()
        destination = sqlite3.connect(path)
        try:
            # The online backup API copies a consistent state while others keep writing.
            connection.connection.backup(destination)
            cursor = destination.cursor()
            tables = {row[0] for row in cursor.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            counts = row_counts(cursor, tables)
        finally:
            destination.close()
        return "database/himig.sqlite3", path, counts
    if vendor == "postgresql":
        path = target_dir / "postgres.dump"
        env, args = _pg_env_and_args()
        # Count rows and dump from one exported snapshot, so the manifest describes
        # exactly the data in the dump even while the site keeps writing.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute("SELECT pg_export_snapshot()")
            (snapshot,) = cursor.fetchone()
            counts = row_counts(cursor, set(connection.introspection.table_names(cursor)))
            command = [
                "pg_dump", "--format=custom", "--no-owner", "--no-privileges",
                f"--snapshot={snapshot}", "--file", str(path), *args,
            ]  # fmt: skip
            result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
        return "database/postgres.dump", path, counts
    raise BackupError(f"backups support SQLite and PostgreSQL, not {vendor}")


@dataclasses.dataclass
class BackupResult:
    path: Path
    database: str
    files: int
    bytes: int
    rows: int


def write_backup(out: Path) -> BackupResult:
    """Write the archive to ``out`` (via a temporary name, so a failure leaves no half archive)."""
    from himig.engine import __version__

    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    compress = out.name.endswith((".gz", ".tgz"))
    members: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="himig-backup-") as tmp:
        db_member, db_path, counts = snapshot_database(Path(tmp))
        with tarfile.open(partial, "w:gz" if compress else "w") as archive:
            archive.add(db_path, arcname=db_member)
            members[db_member] = {"sha256": sha256_file(db_path), "size": db_path.stat().st_size}
            total = 0
            for name in storage_names():
                member = f"media/{name}"
                with default_storage.open(name, "rb") as source:
                    digest, size = _add_stream(archive, member, source)
                members[member] = {"sha256": digest, "size": size}
                total += size
            manifest = {
                "format": FORMAT,
                "version": FORMAT_VERSION,
                "created_at": dt.datetime.now(dt.UTC).isoformat(),
                "himig_version": __version__,
                "database": {"vendor": connection.vendor, "member": db_member},
                "counts": counts,
                "members": members,
            }
            payload = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(payload)
            info.mtime = int(dt.datetime.now(dt.UTC).timestamp())
            archive.addfile(info, io.BytesIO(payload))
    os.replace(partial, out)
    return BackupResult(out, connection.vendor, len(members) - 1, total, sum(counts.values()))


def _add_stream(archive: tarfile.TarFile, member: str, source: IO[bytes]) -> tuple[str, int]:
    """Add a storage file to the archive, hashing it on the way (storage may be S3: stream once)."""
    with tempfile.TemporaryFile() as spool:
        digest = hashlib.sha256()
        size = 0
        while block := source.read(CHUNK):
            digest.update(block)
            spool.write(block)
            size += len(block)
        spool.seek(0)
        info = tarfile.TarInfo(member)
        info.size = size
        info.mtime = int(dt.datetime.now(dt.UTC).timestamp())
        archive.addfile(info, spool)
    return digest.hexdigest(), size


# --- restore --------------------------------------------------------------------


@dataclasses.dataclass
class VerifiedArchive:
    manifest: dict[str, Any]
    root: Path  # where the members were extracted

    @property
    def media(self) -> list[str]:
        return sorted(m[len("media/") :] for m in self.manifest["members"] if m.startswith("media/"))


def _safe_member(name: str) -> bool:
    path = Path(name)
    return not path.is_absolute() and ".." not in path.parts


def extract_and_verify(archive_path: Path, into: Path) -> VerifiedArchive:
    """Extract every member and check it against the manifest; raise on any difference."""
    if not archive_path.is_file():
        raise BackupError(f"{archive_path} does not exist")
    with tarfile.open(archive_path, "r:*") as archive:
        try:
            manifest = json.load(archive.extractfile(MANIFEST))  # type: ignore[arg-type]
        except (KeyError, json.JSONDecodeError) as exc:
            raise BackupError(f"{archive_path} has no readable {MANIFEST}: {exc}") from None
        if manifest.get("format") != FORMAT or manifest.get("version") != FORMAT_VERSION:
            raise BackupError("this is not a Himig backup of a version this code can restore")
        expected: dict[str, dict[str, Any]] = manifest["members"]
        seen: set[str] = set()
        for info in archive:
            if info.name == MANIFEST:
                continue
            if not info.isfile() or not _safe_member(info.name) or info.name not in expected:
                raise BackupError(f"unexpected member in the archive: {info.name}")
            target = into / info.name
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.extractfile(info) as source, target.open("wb") as sink:  # type: ignore[union-attr]
                shutil.copyfileobj(source, sink, CHUNK)
            if sha256_file(target) != expected[info.name]["sha256"]:
                raise BackupError(f"checksum mismatch for {info.name}: the archive is damaged")
            seen.add(info.name)
    missing = set(expected) - seen
    if missing:
        raise BackupError(
            f"{len(missing)} member(s) listed in the manifest are missing, e.g. {sorted(missing)[0]}"
        )
    return VerifiedArchive(manifest, into)


def instance_has_data() -> bool:
    from django.contrib.auth import get_user_model

    from himig.ops.models import Event
    from himig.studio.models import Track

    tables = set(connection.introspection.table_names())
    for model in (get_user_model(), Track, Event):
        if model._meta.db_table in tables and model.objects.exists():
            return True
    return bool(storage_names())


def restore_database(verified: VerifiedArchive) -> None:
    member = verified.manifest["database"]["member"]
    source = verified.root / member
    vendor = verified.manifest["database"]["vendor"]
    if vendor != connection.vendor:
        raise BackupError(f"the backup holds a {vendor} database; this instance runs {connection.vendor}")
    if vendor == "sqlite":
        target = settings.DATABASES["default"]["NAME"]
        connections.close_all()
        src, dst = sqlite3.connect(source), sqlite3.connect(target)
        try:
            src.backup(dst)  # page by page into the live file; WAL and readers stay consistent
        finally:
            src.close()
            dst.close()
        return
    env, args = _pg_env_and_args()
    connections.close_all()
    command = [
        "pg_restore",
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        *args,
        str(source),
    ]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed: {result.stderr.strip()}")


def restore_files(verified: VerifiedArchive) -> int:
    written = 0
    for name in verified.media:
        if default_storage.exists(name):
            default_storage.delete(name)
        with (verified.root / "media" / name).open("rb") as handle:
            saved = default_storage.save(name, File(handle, name=Path(name).name))
        if saved != name:
            raise BackupError(f"storage saved {name} as {saved}")
        written += 1
    return written


def verify_restored(verified: VerifiedArchive) -> list[str]:
    """Differences between the archive and what the instance now holds (empty = identical)."""
    problems = []
    members = verified.manifest["members"]
    for name in verified.media:
        with default_storage.open(name, "rb") as handle:
            if sha256_stream(handle) != members[f"media/{name}"]["sha256"]:
                problems.append(f"file {name} differs after restore")
    counts = live_row_counts()
    for label, expected in verified.manifest["counts"].items():
        if counts.get(label) != expected:
            problems.append(f"{label}: {counts.get(label)} rows, the backup has {expected}")
    return problems
