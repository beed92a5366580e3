"""A fresh install imports with no other step (#12): `migrate` on an empty
database, then the documented `import_data` with people.csv rows that name no
lead agency, then `kpi`, each a real manage.py process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from tests.core.test_backup_restore import url_for
from tests.reporting.test_proven_reoffending import WORKED_EXAMPLE

ROOT = Path(__file__).resolve().parents[2]

# DOMAIN.md's worked example (tests/reporting/test_proven_reoffending.py) as
# the CSV extracts of docs/import.md; people.csv has no lead_agency column.
FILES = {
    "people.csv": """person_ref,given_name,family_name,date_of_birth,gender
A1,Alex,Ashby,1990-06-15,male
B1,Bo,Brent,1990-06-15,female
C1,Cal,Crane,1990-06-15,male
D1,Dee,Dunmore,1990-06-15,female
E1,Eli,Elstow,1990-06-15,male
""",
    "disposals.csv": """person_ref,disposal_ref,type,start_date,release_date
A1,DA,custody,2022-07-01,2023-01-10
B1,DB,community_order,2023-02-15,
C1,DC,caution,2023-03-31,
D1,DD,community_order,2023-01-05,
E1,DE,caution,2023-02-01,
""",
    "offences.csv": """person_ref,offence_ref,offence_date,category,outcome,outcome_date
A1,OA1,2023-03-01,other_theft,conviction,2023-05-01
A1,OA2,2023-12-20,other_theft,conviction,2024-06-30
B1,OB1,2024-02-20,other_theft,conviction,2024-03-20
C1,OC1,2023-06-01,other_theft,conviction,2024-11-15
C1,OC2,2023-07-01,other_theft,caution,2023-08-01
D1,OD1,2023-01-04,other_theft,conviction,2023-01-05
E1,OE1,2023-05-01,other_theft,nfa,2023-05-20
""",
}


@pytest.fixture
def fresh_database():
    """A new, empty database (no tables, no migrations), dropped afterwards."""
    name = f"{connection.settings_dict['NAME']}_fresh"
    with psycopg.connect(url_for("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    yield url_for(name)
    with psycopg.connect(url_for("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "rrcase.settings.dev",
    }
    env.pop("IMPORT_DEFAULT_LEAD_AGENCY", None)  # the documented default, probation
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_migrate_import_data_and_kpi_on_an_empty_database(fresh_database, tmp_path):
    for name, text in FILES.items():
        (tmp_path / name).write_text(text)

    migrated = manage(fresh_database, "migrate", "--no-input")
    assert migrated.returncode == 0, migrated.stderr

    imported = manage(fresh_database, "import_data", str(tmp_path))
    assert imported.returncode == 0, imported.stdout + imported.stderr
    assert (
        not (tmp_path / "rejects.csv").exists()
        or len((tmp_path / "rejects.csv").read_text().splitlines()) <= 1
    ), (tmp_path / "rejects.csv").read_text()

    # Every imported person is led by the default agency that migrate made.
    with psycopg.connect(fresh_database) as db:
        leads = db.execute(
            "SELECT a.code, count(*) FROM offenders_person p "
            "JOIN access_agency a ON a.id = p.lead_agency_id GROUP BY a.code"
        ).fetchall()
    assert leads == [("probation", 5)]

    kpi = manage(fresh_database, "kpi", "--start", "2023-01-01", "--end", "2023-03-31",
                 "--as-of", "2025-01-01")  # fmt: skip
    assert kpi.returncode == 0, kpi.stderr
    result = json.loads(kpi.stdout)
    headline = {k: v for k, v in result["proven_reoffending"].items() if k != "breakdowns"}
    assert headline == WORKED_EXAMPLE
