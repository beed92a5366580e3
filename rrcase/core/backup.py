"""Backup and restore (docs/operations.md "Backup and restore").

A backup is a directory holding:

- ``database.dump``: ``pg_dump --format=custom`` of the whole database;
- ``media.tar.gz``: the uploaded files (MEDIA_ROOT: import uploads and rejects);
- ``manifest.json``: what the restore check compares against: the row count of
  every table and one KPI result, both read in the very snapshot that
  ``pg_dump`` dumped (``pg_export_snapshot``), so a backup taken while people
  work still checks exactly; and every file's size and SHA-256.

The database is whichever Django is configured with (DATABASE_URL): the
scripts take the URL as a parameter, because backing up needs a role that can
read every table and restoring needs the owner (migration) role or a superuser.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tarfile
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

MANIFEST_VERSION = 1
DUMP = "database.dump"
MEDIA = "media.tar.gz"
MANIFEST = "manifest.json"


class BackupError(Exception):
    """Something an operator must fix; the message says what."""


def last_complete_quarter(today: date) -> tuple[date, date]:
    first_of_quarter = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    end = first_of_quarter - timedelta(days=1)
    return date(end.year, end.month - 2, 1), end


def libpq_environment() -> dict[str, str]:
    """pg_dump/pg_restore reach the database Django uses; the password goes in
    the environment, never on a command line other users can read."""
    db = connection.settings_dict
    env = dict(os.environ)
    for variable, key in (
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
        ("PGDATABASE", "NAME"),
    ):
        value = db.get(key)
        if value:
            env[variable] = str(value)
        else:
            env.pop(variable, None)
    return env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} not found: install PostgreSQL's client tools (postgresql-client)."
        )
    return path


def _run(command: list[str]) -> None:
    result = subprocess.run(  # noqa: S603 - our own arguments, no shell
        command, env=libpq_environment(), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed:\n{result.stderr.strip()}")


def table_counts() -> dict[str, int]:
    """Rows in every table of the application's schema."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') ORDER BY c.relname"
        )
        names = [row[0] for row in cursor.fetchall()]
        counts = {}
        for name in names:
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(name)}")  # noqa: S608 - catalogue names, quoted
            counts[name] = cursor.fetchone()[0]
    return counts


def kpi_check(*, start: date, end: date, as_of: date) -> dict[str, Any]:
    from reporting.kpis import kpi_results

    return kpi_results(start=start, end=end, as_of=as_of)


def _files(root: Path) -> Iterator[Path]:
    if root.exists():
        yield from sorted(p for p in root.rglob("*") if p.is_file())


def media_inventory(root: Path) -> dict[str, dict[str, Any]]:
    inventory = {}
    for path in _files(root):
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        inventory[path.relative_to(root).as_posix()] = {
            "bytes": path.stat().st_size,
            "sha256": digest.hexdigest(),
        }
    return inventory


def backup(
    *, directory: Path, media_root: Path, kpi_start: date, kpi_end: date, kpi_as_of: date
) -> dict[str, Any]:
    """Write a backup into ``directory`` (new or empty) and return its manifest."""
    pg_dump = _tool("pg_dump")
    if directory.exists() and any(directory.iterdir()):
        raise BackupError(f"{directory} is not empty: give a new directory for each backup.")
    directory.mkdir(parents=True, exist_ok=True)

    with transaction.atomic():
        with connection.cursor() as cursor:
            # The dump, the counts and the KPI all see this one snapshot.
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
        _run(
            [
                pg_dump,
                "--format=custom",
                f"--snapshot={snapshot}",
                f"--file={directory / DUMP}",
            ]
        )
        counts = table_counts()
        kpi = kpi_check(start=kpi_start, end=kpi_end, as_of=kpi_as_of)

    with tarfile.open(directory / MEDIA, "w:gz") as archive:
        for path in _files(media_root):
            archive.add(path, arcname=path.relative_to(media_root).as_posix())
    manifest = {
        "version": MANIFEST_VERSION,
        "taken_at": timezone.now().isoformat(),
        "database": connection.settings_dict["NAME"],
        "tables": counts,
        "kpi": {
            "start": kpi_start.isoformat(),
            "end": kpi_end.isoformat(),
            "as_of": kpi_as_of.isoformat(),
            "results": kpi,
        },
        "media": media_inventory(media_root),
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest


def read_manifest(directory: Path) -> dict[str, Any]:
    for name in (DUMP, MEDIA, MANIFEST):
        if not (directory / name).is_file():
            raise BackupError(f"{directory} is not a backup: {name} is missing.")
    manifest: dict[str, Any] = json.loads((directory / MANIFEST).read_text())
    if manifest.get("version") != MANIFEST_VERSION:
        raise BackupError(f"{directory / MANIFEST} is not a version {MANIFEST_VERSION} manifest.")
    return manifest


def restore(*, directory: Path, media_root: Path, privileges: bool = True) -> None:
    """Restore a backup into the configured database, which must be empty, and
    its files into ``media_root``, which must be empty or absent."""
    pg_restore = _tool("pg_restore")
    read_manifest(directory)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')"
        )
        if cursor.fetchone()[0]:
            raise BackupError(
                f"Database {connection.settings_dict['NAME']} already has tables: restore into "
                "a new, empty database (createdb), then point the service at it."
            )
    if media_root.exists() and any(media_root.iterdir()):
        raise BackupError(f"{media_root} is not empty: restore files into an empty directory.")
    connection.close()  # pg_restore works on its own connection

    command = [pg_restore, "--no-owner", "--exit-on-error", "--single-transaction"]
    if not privileges:
        command.append("--no-privileges")
    _run([*command, f"--dbname={connection.settings_dict['NAME']}", str(directory / DUMP)])

    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(directory / MEDIA, "r:gz") as archive:
        archive.extractall(media_root, filter="data")


def check(*, directory: Path, media_root: Path) -> list[str]:
    """Compare the configured database and ``media_root`` with the backup's
    manifest: every table's row count, the KPI recomputed from the restored
    rows, and every file. Returns the differences (none: the restore is whole)."""
    manifest = read_manifest(directory)
    problems = []
    counts = table_counts()
    for table, expected in sorted(manifest["tables"].items()):
        actual = counts.get(table)
        if actual != expected:
            problems.append(f"table {table}: {actual} rows, the backup had {expected}")
    for table in sorted(set(counts) - set(manifest["tables"])):
        problems.append(f"table {table} is not in the backup")
    kpi = manifest["kpi"]
    recomputed = kpi_check(
        start=date.fromisoformat(kpi["start"]),
        end=date.fromisoformat(kpi["end"]),
        as_of=date.fromisoformat(kpi["as_of"]),
    )
    # Through JSON, as the manifest stored it (tuples become lists, and so on).
    if json.loads(json.dumps(recomputed)) != kpi["results"]:
        problems.append(
            f"KPIs for {kpi['start']} to {kpi['end']} as of {kpi['as_of']} differ from the backup's"
        )
    files = media_inventory(media_root)
    for name, expected in sorted(manifest["media"].items()):
        if files.get(name) != expected:
            problems.append(f"file {name}: missing or different from the backup")
    return problems
