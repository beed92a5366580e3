"""The scoped selectors are the only way views, API and exports load people
(DESIGN.md "Access model"; the zulip-style rule in STYLE.md). A view module
that reaches for Person.objects, or for a person's records by bare id, would
bypass the agency grants: this test refuses it at review time."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ["offenders", "pathways", "panels", "reporting", "rrcase"]
# Modules that answer HTTP requests directly.
REQUEST_MODULES = re.compile(r"(^|/)(views|api|imports_views)(\.py$|/)")
# Loading protected records without the acting user.
FORBIDDEN = re.compile(
    r"\b(Person|Contact|Enforcement|Offence|Disposal|CohortMembership|RiskAssessment|BragChange)"
    r"\.objects\b|get_object_or_404\(\s*(Person|Contact|Offence|Disposal)\b"
)


def request_modules() -> list[Path]:
    files = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" not in relative and REQUEST_MODULES.search(relative):
                files.append(path)
    return files


def test_there_are_request_modules_to_check():
    names = {p.relative_to(ROOT).as_posix() for p in request_modules()}
    assert "rrcase/core/views.py" in names
    assert any(name.startswith("offenders/") for name in names)


def test_views_and_api_load_people_only_through_scoped_selectors():
    offences = []
    for path in request_modules():
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if FORBIDDEN.search(line) and "# scoped:" not in line:
                offences.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offences, (
        "Load people and their records with the scoped selectors "
        "(offenders.selectors.person_list_for / person_get_for …), not the model manager:\n"
        + "\n".join(offences)
    )
