"""Backup and restore (docs/operations.md): scripts/backup on the suite's
database, scripts/restore into a new empty database, and the restore check
that counts every table's rows and recomputes a KPI."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from offenders.models import Person
from tests.database_roles import owner_url
from tests.reporting.test_proven_reoffending import build_worked_example

ROOT = Path(__file__).resolve().parents[2]
KPI_PERIOD = ["--kpi-start", "2023-01-01", "--kpi-end", "2023-03-31", "--kpi-as-of", "2025-01-01"]


def url_for(name: str) -> str:
    # As the owner role: the suite's own connection is the app role's, which
    # may not create databases or restore a schema (tests/database_roles.py).
    return owner_url(name)


def run(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ROOT / "scripts" / script), *args],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "rrcase.settings.dev"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def empty_database():
    """A new, empty database beside the test database, dropped afterwards."""
    name = f"{connection.settings_dict['NAME']}_restore"
    with psycopg.connect(url_for("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    yield url_for(name)
    with psycopg.connect(url_for("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def uploads(tmp_path):
    media = tmp_path / "media"
    run_dir = media / "imports" / "3f1c0d9e"
    run_dir.mkdir(parents=True)
    (run_dir / "people.csv").write_text("reference,family_name\nP1,Example\n")
    (run_dir / "rejects.csv").write_bytes(b"line,reason\n2,bad date\n")
    return media


def test_backup_then_restore_gives_the_same_rows_kpis_and_files(
    transactional_db, borough, uploads, empty_database, tmp_path
):
    build_worked_example()
    backup_dir = tmp_path / "backup"
    made = run("backup", "--database-url", url_for(connection.settings_dict["NAME"]),
               str(backup_dir), "--media", str(uploads), *KPI_PERIOD)  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert "2 uploaded files" in made.stdout
    assert (backup_dir / "database.dump").read_bytes()[:5] == b"PGDMP"  # custom format

    restored_media = tmp_path / "restored-media"
    restored = run("restore", "--database-url", empty_database, str(backup_dir),
                   "--media", str(restored_media))  # fmt: skip
    assert restored.returncode == 0, restored.stderr
    assert "recomputed and equal (proven re-offending: 2 of 5)" in restored.stdout

    # Seen directly, not through the check: the people and the files are back.
    with psycopg.connect(empty_database) as db:
        names = {row[0] for row in db.execute("SELECT family_name FROM offenders_person")}
    assert names == set(Person.objects.values_list("family_name", flat=True))
    assert {"A", "B", "C", "D", "E"} <= names
    for path in uploads.rglob("*.csv"):
        assert (restored_media / path.relative_to(uploads)).read_bytes() == path.read_bytes()

    # The check fails when the restore is not whole.
    with psycopg.connect(empty_database) as db:
        db.execute("DELETE FROM offenders_offence WHERE reference IN "
                   "(SELECT reference FROM offenders_offence ORDER BY id LIMIT 1)")  # fmt: skip
    (restored_media / "imports" / "3f1c0d9e" / "rejects.csv").write_text("changed\n")
    checked = run("restore", "--database-url", empty_database, str(backup_dir),
                  "--media", str(restored_media), "--check-only")  # fmt: skip
    assert checked.returncode != 0
    assert "table offenders_offence:" in checked.stderr
    assert "KPIs for 2023-01-01 to 2023-03-31 as of 2025-01-01 differ" in checked.stderr
    assert "file imports/3f1c0d9e/rejects.csv" in checked.stderr


def test_restore_refuses_a_database_that_is_not_empty(transactional_db, tmp_path, uploads):
    backup_dir = tmp_path / "backup"
    own = url_for(connection.settings_dict["NAME"])
    assert (
        run("backup", "--database-url", own, str(backup_dir), "--media", str(uploads)).returncode
        == 0
    )
    refused = run("restore", "--database-url", own, str(backup_dir), "--media", str(tmp_path / "m"))
    assert refused.returncode != 0
    assert "already has tables: restore into a new, empty database" in refused.stderr
