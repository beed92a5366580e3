"""`manage.py import_data`: the contract in DESIGN.md and DOMAIN.md "Import
format", as docs/import.md spells it out."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError

from offenders import imports, selectors, services
from offenders.models import (
    CohortMembership,
    Disposal,
    Involvement,
    Offence,
    Person,
    RiskAssessment,
)
from rrcase.access.models import Agency
from rrcase.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

HEADERS = {
    "people": "person_ref,pnc_id,given_name,family_name,date_of_birth,gender,ethnicity,lead_agency",
    "offences": "person_ref,offence_ref,offence_date,category,outcome,outcome_date",
    "disposals": "person_ref,disposal_ref,type,start_date,release_date,end_date,"
    "terminated_date,supervised_by_probation,accommodation_at_end,employment_at_end",
    "cohorts": "person_ref,cohort,start_date,end_date,strand,mappa_category,mappa_level,reason",
    "assessments": "person_ref,assessed_on,rosh,ogrs3_1y,ogrs3_2y,ovp_2y,predicted_3m",
}
GOOD = {
    "people": [
        "P1,PNC/1,Alan,Smith,1990-01-02,male,White British,police",
        "P2,,Beth,Jones,1985-03-04,female,,",
    ],
    "offences": [
        "P1,O1,2023-01-01,shoplifting,conviction,2023-02-01",
        "P2,O2,2023-01-05,robbery,pending,",
    ],
    "disposals": [
        "P1,D1,custody,2023-02-01,2023-06-01,2023-08-01,,false,,",
        "P2,D2,community_order,2023-02-01,,2024-02-01,2024-01-15,true,settled,employed",
    ],
    "cohorts": ["P1,iom,2023-03-01,,fixed,,,Prolific", "P2,mappa,2023-03-01,,,2,1,"],
    "assessments": ["P1,2023-04-01,high,55,70,30,0.25"],
}


def write(directory: Path, files: dict[str, list[str]], headers: dict[str, str] = HEADERS) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, rows in files.items():
        (directory / f"{name}.csv").write_text("\n".join([headers[name], *rows]) + "\n")
    return directory


def run(directory: Path, *args: str) -> int:
    """The command's exit status."""
    try:
        call_command("import_data", str(directory), *args)
    except CommandError as error:
        return error.returncode
    return 0


def rejects(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def user(username: str) -> User:
    return User.objects.get(username=username)


@pytest.fixture
def probation(borough) -> Agency:
    return Agency.objects.get(code="probation")


def test_a_clean_import_loads_every_file_and_column_and_exits_0(tmp_path, probation):
    directory = write(tmp_path / "in", GOOD)
    assert run(directory) == 0

    alan = Person.objects.get(reference="P1")
    assert (alan.pnc_id, alan.given_name, alan.family_name) == ("PNC/1", "Alan", "Smith")
    assert (alan.date_of_birth, alan.gender, alan.ethnicity) == (
        date(1990, 1, 2),
        "male",
        "White British",
    )
    assert alan.lead_agency.code == "police"
    assert alan.rosh == "high"  # the current RoSH follows the latest assessment
    offence = Offence.objects.get(reference="O1")
    assert (offence.person, offence.category, offence.outcome_date) == (
        alan,
        "shoplifting",
        date(2023, 2, 1),
    )
    d2 = Disposal.objects.get(reference="D2")
    assert d2.supervised_by_probation is True
    assert (d2.terminated_date, d2.accommodation_at_end, d2.employment_at_end) == (
        date(2024, 1, 15),
        "settled",
        "employed",
    )
    assert Disposal.objects.get(reference="D1").release_date == date(2023, 6, 1)
    iom = CohortMembership.objects.get(person=alan)
    assert (iom.cohort, iom.strand, iom.selection_reason) == ("iom", "fixed", "Prolific")
    mappa = CohortMembership.objects.get(person__reference="P2")
    assert (mappa.mappa_category, mappa.mappa_level) == (2, 1)
    assessment = RiskAssessment.objects.get(person=alan)
    assert (assessment.ogrs3_1y, assessment.ogrs3_2y, assessment.ovp_2y) == (55, 70, 30)
    assert assessment.predicted_3m == Decimal("0.25")
    assert rejects(directory / "rejects.csv") == []


def test_new_people_get_their_lead_agency_grant_and_blank_lead_agency_uses_the_default(
    tmp_path, probation
):
    assert run(write(tmp_path / "in", {"people": GOOD["people"]})) == 0
    beth = Person.objects.get(reference="P2")
    assert beth.lead_agency == probation  # IMPORT_DEFAULT_LEAD_AGENCY
    assert selectors.person_get_for(user("probation"), beth.pk, for_change=True) == beth
    alan = Person.objects.get(reference="P1")
    assert list(selectors.person_list_for(user("police"))) == [alan]
    assert Involvement.objects.filter(person=alan, agency__code="police", can_change=True).exists()


def test_without_a_default_agency_a_new_person_needs_a_lead_agency(tmp_path, borough, settings):
    settings.IMPORT_DEFAULT_LEAD_AGENCY = ""
    directory = write(tmp_path / "in", {"people": GOOD["people"]})
    assert run(directory) == 1
    assert rejects(directory / "rejects.csv") == [
        {"file": "people.csv", "line": "3", "reason": "lead_agency is required for a new person"}
    ]


def test_importing_twice_changes_nothing_and_a_changed_row_updates_in_place(tmp_path, probation):
    directory = write(tmp_path / "in", GOOD)
    assert run(directory) == 0
    counts = [
        m.objects.count() for m in (Person, Offence, Disposal, CohortMembership, RiskAssessment)
    ]
    assert run(directory) == 0
    assert [
        m.objects.count() for m in (Person, Offence, Disposal, CohortMembership, RiskAssessment)
    ] == counts
    assert Person.objects.get(reference="P1").version == 1

    changed = {
        "people": ["P1,PNC/1,Alan,Smythe,1990-01-02,male,White British,police"],
        "offences": ["P1,O1,2023-01-01,shoplifting,conviction,2023-03-01"],
        "cohorts": ["P1,iom,2023-03-01,2023-12-31,flex,,,Prolific"],
        "assessments": ["P1,2023-04-01,medium,55,70,30,0.3"],
        "disposals": ["P1,D1,custody,2023-02-01,2023-06-02,2023-08-01,,false,,"],
    }
    assert run(write(tmp_path / "again", changed)) == 0
    alan = Person.objects.get(reference="P1")
    assert (alan.family_name, alan.version, alan.rosh) == ("Smythe", 2, "medium")
    assert Offence.objects.get(reference="O1").outcome_date == date(2023, 3, 1)
    membership = CohortMembership.objects.get(person=alan)
    assert (membership.end_date, membership.strand, membership.version) == (
        date(2023, 12, 31),
        "flex",
        2,
    )
    assert RiskAssessment.objects.get(person=alan).predicted_3m == Decimal("0.3")
    assert Disposal.objects.get(reference="D1").release_date == date(2023, 6, 2)
    assert Person.objects.count() == 2
    assert Offence.objects.count() == 2


def test_a_column_left_out_of_the_file_is_left_alone(tmp_path, probation):
    assert run(write(tmp_path / "in", {"people": GOOD["people"]})) == 0
    narrow = {"people": "person_ref,given_name,family_name,date_of_birth,gender"}
    assert run(write(tmp_path / "b", {"people": ["P1,Alan,Smith,1990-01-02,male"]}, narrow)) == 0
    alan = Person.objects.get(reference="P1")
    assert (alan.pnc_id, alan.ethnicity, alan.lead_agency.code) == (
        "PNC/1",
        "White British",
        "police",
    )


def test_one_bad_row_means_nothing_is_imported(tmp_path, probation):
    files = {**GOOD, "offences": [*GOOD["offences"], "P1,O3,2023-13-01,robbery,nfa,"]}
    directory = write(tmp_path / "in", files)
    assert run(directory) == 1
    assert Person.objects.count() == 0
    assert Offence.objects.count() == 0
    assert not Involvement.objects.exists()
    assert not AuditEvent.objects.filter(person_id__isnull=False).exists()  # nor their events
    assert rejects(directory / "rejects.csv") == [
        {
            "file": "offences.csv",
            "line": "4",
            "reason": "offence_date '2023-13-01' is not a real date",
        }
    ]


def test_every_bad_row_is_named_not_only_the_first(tmp_path, probation):
    files = {
        "people": [*GOOD["people"], "P3,,Carl,Ray,1980-01-01,man,,"],
        "offences": [
            "P1,O1,2023-01-01,shoplifting,conviction,2023-02-01",
            "P9,O9,2023-01-01,fraud,nfa,",
        ],
    }
    directory = write(tmp_path / "in", files)
    assert run(directory) == 1
    assert [(r["file"], r["line"]) for r in rejects(directory / "rejects.csv")] == [
        ("people.csv", "4"),
        ("offences.csv", "3"),
    ]


def test_partial_imports_the_valid_rows_and_still_writes_rejects(tmp_path, probation):
    files = {
        "people": [*GOOD["people"], "P3,,Carl,Ray,1980-01-01,man,,"],
        "offences": [*GOOD["offences"], "P3,O3,2023-01-01,fraud,nfa,"],
    }
    directory = write(tmp_path / "in", files)
    assert run(directory, "--partial") == 1
    assert set(Person.objects.values_list("reference", flat=True)) == {"P1", "P2"}
    assert set(Offence.objects.values_list("reference", flat=True)) == {"O1", "O2"}
    reasons = rejects(directory / "rejects.csv")
    assert [(r["file"], r["line"]) for r in reasons] == [("people.csv", "4"), ("offences.csv", "4")]
    assert reasons[1]["reason"].startswith("unknown person_ref 'P3'")


def test_dry_run_writes_nothing_but_reports_and_writes_rejects(tmp_path, probation, capsys):
    directory = write(tmp_path / "in", GOOD)
    assert run(directory, "--dry-run") == 0
    assert Person.objects.count() == Offence.objects.count() == 0
    out = capsys.readouterr().out
    assert "people.csv" in out
    assert "Dry run: nothing was written." in out
    assert not AuditEvent.objects.filter(details__import="csv").exists()

    bad = write(tmp_path / "bad", {"people": ["P1,,A,B,1990-01-01,x,,"]})
    assert run(bad, "--dry-run") == 1
    assert rejects(bad / "rejects.csv")[0]["line"] == "2"


def test_dry_run_sees_people_from_the_same_import(tmp_path, probation):
    directory = write(tmp_path / "in", GOOD)
    assert run(directory, "--dry-run") == 0
    assert rejects(directory / "rejects.csv") == []


def test_people_may_come_from_the_database_or_from_people_csv_in_the_same_import(
    tmp_path, probation
):
    services.person_create(
        reference="DB1",
        given_name="Dee",
        family_name="Bee",
        date_of_birth=date(1970, 1, 1),
        lead_agency=probation,
        by=None,
    )
    files = {
        "people": ["NEW1,,New,Person,1999-09-09,other,,"],
        "offences": ["DB1,O1,2023-01-01,fraud,nfa,", "NEW1,O2,2023-01-01,fraud,nfa,"],
    }
    assert run(write(tmp_path / "in", files)) == 0
    assert Offence.objects.get(reference="O1").person.reference == "DB1"
    assert Offence.objects.get(reference="O2").person.reference == "NEW1"


def test_exit_status_2_when_there_is_nothing_to_import(tmp_path):
    assert run(tmp_path / "missing") == 2
    (tmp_path / "empty").mkdir()
    assert run(tmp_path / "empty") == 2


def test_rejects_option_chooses_where_the_file_goes(tmp_path, probation):
    directory = write(tmp_path / "in", {"people": ["P1,,A,B,1990-01-01,x,,"]})
    elsewhere = tmp_path / "out" / "bad.csv"
    elsewhere.parent.mkdir()
    assert run(directory, "--rejects", str(elsewhere)) == 1
    assert rejects(elsewhere)[0]["file"] == "people.csv"
    assert not (directory / "rejects.csv").exists()


def test_several_problems_in_one_row_are_one_reject_with_reasons_joined(tmp_path, probation):
    directory = write(tmp_path / "in", {"people": ["P1,,,B,1990-02-30,x,,"]})
    assert run(directory) == 1
    (row,) = rejects(directory / "rejects.csv")
    assert row["reason"] == (
        "given_name is required; date_of_birth '1990-02-30' is not a real date; "
        "unknown gender 'x' (expected one of: male, female, other, unknown)"
    )


def test_the_import_is_one_summary_event_and_one_event_per_person_and_file(tmp_path, probation):
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    assert run(write(tmp_path / "in", GOOD), "--operator", "Sam Ops", "--reason", "CHG-1") == 0
    (event,) = AuditEvent.objects.filter(details__import="csv")
    assert event.action == "collect"
    assert event.details["files"]["offences.csv"]["created"] == 2
    assert event.details["rejected"] == 0
    # The command line names who ran it.
    assert event.details["operator"]["name"] == "Sam Ops"
    assert event.details["operator"]["reason"] == "CHG-1"
    assert event.details["operator"]["os_user"]
    assert event.actor_username.startswith("Sam Ops (")
    # Per person: one event naming what this import created about them, file by
    # file (not an event a row).
    alan = Person.objects.get(reference="P1")
    (person_event,) = AuditEvent.objects.filter(id__gt=before, person_id=alan.pk).exclude(
        action="grant"
    )
    assert person_event.action == "collect"
    assert person_event.actor_username.startswith("Sam Ops (")
    assert person_event.details["import"] == event.details["import_id"]
    files = person_event.details["files"]
    assert set(files) == {
        "people.csv",
        "offences.csv",
        "disposals.csv",
        "cohorts.csv",
        "assessments.csv",
    }
    assert files["offences.csv"] == {"created": ["O1"]}
    assert files["cohorts.csv"] == {"created": ["iom 2023-03-01"]}
    assert files["people.csv"]["created"] is True
    assert event.details["people_events"] == 2
    others = AuditEvent.objects.filter(id__gt=before).exclude(pk=event.pk)
    assert set(others.values_list("action", flat=True)) == {"grant", "collect"}


def test_a_changed_person_is_in_their_audit_trail_with_the_fields_changed(tmp_path, probation):
    assert run(write(tmp_path / "a", GOOD)) == 0
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    changed = {
        "people": ["P1,PNC/1,Alan,Smythe,1990-01-03,male,White British,police", GOOD["people"][1]],
        "offences": ["P1,O1,2023-01-01,shoplifting,conviction,2023-03-01", GOOD["offences"][1]],
    }
    assert run(write(tmp_path / "b", changed)) == 0
    alan = Person.objects.get(reference="P1")
    (event,) = AuditEvent.objects.filter(id__gt=before, person_id=alan.pk)
    assert event.action == "alter"
    people = event.details["files"]["people.csv"]
    assert people["fields"] == ["family_name", "date_of_birth"]
    assert people["before"] == {"family_name": "Smith", "date_of_birth": "1990-01-02"}
    assert people["after"] == {"family_name": "Smythe", "date_of_birth": "1990-01-03"}
    assert event.details["files"]["offences.csv"] == {"updated": {"O1": ["outcome_date"]}}
    # Beth's rows were unchanged: nothing about her.
    beth = Person.objects.get(reference="P2")
    assert not AuditEvent.objects.filter(id__gt=before, person_id=beth.pk).exists()


def test_rows_are_read_and_written_in_batches_with_lines_in_order(tmp_path, probation, monkeypatch):
    monkeypatch.setattr(imports, "BATCH_SIZE", 2)
    people = [f"Q{n},,Q,Person,1980-01-01,male,," for n in range(7)]
    people[4] = "Q4,,Q,Person,1980-01-01,bad,,"
    offences = [f"Q{n},QO{n},2023-01-01,fraud,nfa," for n in range(7)]
    directory = write(tmp_path / "in", {"people": people, "offences": offences})
    assert run(directory, "--partial") == 1
    assert Person.objects.count() == 6
    assert Offence.objects.count() == 6
    assert [(r["file"], r["line"]) for r in rejects(directory / "rejects.csv")] == [
        ("people.csv", "6"),
        ("offences.csv", "6"),
    ]


def test_a_changed_lead_agency_moves_the_lead_grant(tmp_path, probation):
    assert run(write(tmp_path / "a", {"people": ["P1,,A,B,1990-01-01,male,,police"]})) == 0
    assert run(write(tmp_path / "b", {"people": ["P1,,A,B,1990-01-01,male,,probation"]})) == 0
    person = Person.objects.get(reference="P1")
    assert person.lead_agency == probation
    assert selectors.person_may_change(user("probation"), person)
    assert not selectors.person_list_for(user("police")).exists()


# One test per rejection rule: (file, row, line, reason). Line 1 is the header.
RULES = [
    (
        "people",
        "P1,,A,B,1990/01/01,male,,",
        "date_of_birth '1990/01/01' is not a date in the form YYYY-MM-DD",
    ),
    ("people", "P1,,A,B,2999-01-01,male,,", "date_of_birth is in the future"),
    (
        "people",
        "P1,,A,B,1990-01-01,M,,",
        "unknown gender 'M' (expected one of: male, female, other, unknown)",
    ),
    ("people", "P1,,A,B,1990-01-01,male,,mi5", "unknown lead_agency 'mi5'"),
    ("people", ",,A,B,1990-01-01,male,,", "person_ref is required"),
    ("people", "P1,,,B,1990-01-01,male,,", "given_name is required"),
    ("people", "P1,,A,,1990-01-01,male,,", "family_name is required"),
    ("people", "P1,,A,B,,male,,", "date_of_birth is required"),
    ("people", "P1,,A,B,1990-01-01,,,", "gender is required"),
    ("people", "P1,,A,B,1990-01-01,male", "expected 8 fields, found 6"),
    (
        "people",
        "P" + "1" * 40 + ",,A,B,1990-01-01,male,,",
        "person_ref is longer than 32 characters",
    ),
    (
        "offences",
        "P1,O9,2023-01-01,theft,nfa,",
        "unknown category 'theft' (expected one of: violence_with_injury",
    ),
    (
        "offences",
        "P1,O9,2023-01-01,fraud,guilty,",
        "unknown outcome 'guilty' (expected one of: conviction",
    ),
    ("offences", "P1,O9,2023-01-01,fraud,conviction,", "outcome_date is required for a conviction"),
    ("offences", "P1,O9,2023-01-01,fraud,caution,", "outcome_date is required for a caution"),
    ("offences", "P1,O9,2023-02-01,fraud,nfa,2023-01-31", "outcome_date is before offence_date"),
    (
        "offences",
        "NOBODY,O9,2023-01-01,fraud,nfa,",
        "unknown person_ref 'NOBODY': not in the database",
    ),
    ("offences", "P1,,2023-01-01,fraud,nfa,", "offence_ref is required"),
    ("offences", "P1,O9,,fraud,nfa,", "offence_date is required"),
    (
        "disposals",
        "P1,D9,prison,2023-01-01,,,,,,",
        "unknown type 'prison' (expected one of: custody",
    ),
    ("disposals", "P1,D9,fine,2023-01-01,2023-02-01,,,,,", "release_date is only for custody"),
    ("disposals", "P1,D9,custody,2023-01-01,,2022-12-31,,,,", "end_date is before start_date"),
    (
        "disposals",
        "P1,D9,licence,2023-01-01,,,,yes,,",
        "supervised_by_probation 'yes' is not true or false",
    ),
    ("disposals", "P1,D9,licence,2023-01-01,,,,,housed,", "unknown accommodation_at_end 'housed'"),
    ("disposals", "P1,D9,licence,2023-01-01,,,,,,working", "unknown employment_at_end 'working'"),
    ("disposals", "P1,D9,licence,,,,,,,", "start_date is required"),
    (
        "cohorts",
        "P1,gang,2023-01-01,,,,,",
        "unknown cohort 'gang' (expected one of: iom, ppo, dip, mappa, sgv, asb)",
    ),
    (
        "cohorts",
        "P1,iom,2023-01-01,,fast,,,",
        "unknown strand 'fast' (expected one of: fixed, flex, free)",
    ),
    ("cohorts", "P1,mappa,2023-01-01,,,5,1,", "mappa_category 5 is outside 1–4"),
    ("cohorts", "P1,mappa,2023-01-01,,,1,4,", "mappa_level 4 is outside 1–3"),
    ("cohorts", "P1,mappa,2023-01-01,,,one,1,", "mappa_category 'one' is not a whole number"),
    ("cohorts", "P1,ppo,2023-01-01,,fixed,,,", "strand is only for the iom cohort"),
    ("cohorts", "P1,iom,2023-01-01,,,2,,", "mappa_category is only for the mappa cohort"),
    ("cohorts", "P1,iom,2023-01-01,2022-01-01,,,,", "end_date is before start_date"),
    ("cohorts", "P1,iom,,,,,,", "start_date is required"),
    ("assessments", "P1,2023-01-01,extreme,,,,", "unknown rosh 'extreme'"),
    ("assessments", "P1,2023-01-01,,100,,,", "ogrs3_1y 100 is outside 0–99"),
    ("assessments", "P1,2023-01-01,,,100,,", "ogrs3_2y 100 is outside 0–99"),
    ("assessments", "P1,2023-01-01,,,,-1,", "ovp_2y '-1' is not a whole number"),
    ("assessments", "P1,2023-01-01,,,,,1.5", "predicted_3m 1.5 is outside 0–1"),
    (
        "assessments",
        "P1,2023-01-01,,,,,0.123456",
        "predicted_3m 0.123456 has more than 4 decimal places",
    ),
    ("assessments", "P1,2023-01-01,,,,,high", "predicted_3m 'high' is not a number"),
    ("assessments", "P1,,,,,,", "assessed_on is required"),
]


@pytest.mark.parametrize(
    ("name", "row", "reason"), RULES, ids=[f"{n}:{r[:40]}" for n, _, r in RULES]
)
def test_rejection_rule(tmp_path, probation, name, row, reason):
    files = {"people": ["P1,,A,B,1990-01-01,male,,"]}
    if name == "people":
        files = {"people": [row]}
    else:
        files[name] = [row]
    directory = write(tmp_path / "in", files)
    assert run(directory) == 1
    (reject,) = rejects(directory / "rejects.csv")
    assert (reject["file"], reject["line"]) == (f"{name}.csv", "2")
    assert reject["reason"].startswith(reason), reject["reason"]
    assert not Person.objects.exists()  # all-or-nothing


@pytest.mark.parametrize(
    ("name", "rows", "reason"),
    [
        (
            "offences",
            ["P1,O1,2023-01-01,fraud,nfa,", "P1,O1,2023-01-02,fraud,nfa,"],
            "duplicate offence_ref 'O1' (first on line 2)",
        ),
        (
            "disposals",
            ["P1,D1,fine,2023-01-01,,,,,,", "P1,D1,fine,2023-01-01,,,,,,"],
            "duplicate disposal_ref 'D1' (first on line 2)",
        ),
        (
            "cohorts",
            ["P1,iom,2023-01-01,,,,,", "P1,iom,2023-01-01,,,,,x"],
            "duplicate person_ref 'P1', cohort 'iom', start_date '2023-01-01' (first on line 2)",
        ),
        (
            "assessments",
            ["P1,2023-01-01,low,,,,", "P1,2023-01-01,high,,,,"],
            "duplicate person_ref 'P1', assessed_on '2023-01-01' (first on line 2)",
        ),
        (
            "people",
            ["P1,,A,B,1990-01-01,male,,", "P1,,A,C,1990-01-01,male,,"],
            "duplicate person_ref 'P1' (first on line 2)",
        ),
    ],
)
def test_a_key_repeated_within_a_file_is_rejected(tmp_path, probation, name, rows, reason):
    files = {"people": ["P1,,A,B,1990-01-01,male,,"], name: rows}
    directory = write(tmp_path / "in", files)
    assert run(directory) == 1
    assert rejects(directory / "rejects.csv") == [
        {"file": f"{name}.csv", "line": "3", "reason": reason}
    ]


def test_a_file_that_is_not_utf8_is_rejected_whole(tmp_path, probation):
    directory = tmp_path / "in"
    directory.mkdir()
    (directory / "people.csv").write_bytes(
        (
            HEADERS["people"] + "\nP1,,A,B,1990-01-01,male,,\nP2,,Ren\xe9e,B,1990-01-01,female,,\n"
        ).encode("latin-1")
    )
    assert run(directory, "--partial") == 1
    assert not Person.objects.exists()
    assert rejects(directory / "rejects.csv") == [
        {
            "file": "people.csv",
            "line": "3",
            "reason": "the file is not UTF-8 text (first bad byte on line 3)",
        }
    ]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("", "the file is empty: it needs a header row"),
        (
            "P1,,A,B,1990-01-01,male,,\n",
            "the header row lacks required column(s): person_ref, given_name",
        ),
        (HEADERS["people"] + ",shoe_size\n", "unknown column(s) in the header row: 'shoe_size'"),
    ],
)
def test_a_file_without_a_usable_header_is_rejected_at_line_1(tmp_path, probation, content, reason):
    directory = tmp_path / "in"
    directory.mkdir()
    (directory / "people.csv").write_text(content)
    assert run(directory) == 1
    (reject,) = rejects(directory / "rejects.csv")
    assert (reject["file"], reject["line"]) == ("people.csv", "1")
    assert reject["reason"].startswith(reason)


def test_a_byte_order_mark_and_blank_lines_are_tolerated(tmp_path, probation):
    directory = tmp_path / "in"
    directory.mkdir()
    (directory / "people.csv").write_text(
        "\ufeff" + HEADERS["people"] + "\nP1,,A,B,1990-01-01,male,,\n\nP2,,C,D,1990-01-01,male,,\n",
        encoding="utf-8",
    )
    assert run(directory) == 0
    assert Person.objects.count() == 2


def test_rejects_cells_cannot_become_spreadsheet_formulas(tmp_path, probation):
    # The rejects file escapes through the one helper every export uses.
    from rrcase.exports import spreadsheet_safe_value

    assert spreadsheet_safe_value("=HYPERLINK()") == "'=HYPERLINK()"
    assert spreadsheet_safe_value("unknown x") == "unknown x"


def summary_counts(result: imports.ImportResult) -> dict[str, tuple[int, int, int, int]]:
    return {
        name: (s.created, s.updated, s.unchanged, s.rejected) for name, s in result.files.items()
    }


def test_the_summary_counts_created_updated_and_unchanged_rows(tmp_path, probation):
    first = imports.import_directory(directory=write(tmp_path / "a", GOOD), by=None)
    assert summary_counts(first) == {name: (len(rows), 0, 0, 0) for name, rows in GOOD.items()}
    again = imports.import_directory(directory=write(tmp_path / "b", GOOD), by=None)
    assert summary_counts(again) == {name: (0, 0, len(rows), 0) for name, rows in GOOD.items()}
    changed = {
        "people": ["P1,PNC/1,Alan,Smythe,1990-01-02,male,White British,police", GOOD["people"][1]],
        # O1 moves to P2 (a reference held for another person); O3 is new.
        "offences": [
            "P2,O1,2023-01-01,shoplifting,conviction,2023-02-01",
            GOOD["offences"][1],
            "P1,O3,2023-04-01,fraud,nfa,",
        ],
    }
    third = imports.import_directory(directory=write(tmp_path / "c", changed), by=None)
    assert summary_counts(third) == {"people": (0, 1, 1, 0), "offences": (1, 1, 1, 0)}
    assert Offence.objects.get(reference="O1").person.reference == "P2"
    # Both people's audit trails say so.
    alan, beth = Person.objects.get(reference="P1"), Person.objects.get(reference="P2")
    moved = AuditEvent.objects.filter(details__import__isnull=False).order_by("-id")
    beth_event = moved.filter(person_id=beth.pk).first()
    assert beth_event.details["files"]["offences.csv"] == {"updated": {"O1": ["person"]}}
    alan_files = moved.filter(person_id=alan.pk).first().details["files"]
    assert alan_files["offences.csv"] == {"created": ["O3"], "moved_away": ["O1"]}
    assert Offence.objects.filter(reference="O3", person__reference="P1").exists()


def test_new_rows_get_the_model_defaults_for_what_the_file_does_not_say(tmp_path, probation):
    narrow = {
        "people": "person_ref,given_name,family_name,date_of_birth,gender",
        "disposals": "person_ref,disposal_ref,type,start_date",
    }
    files = {"people": ["P9,Ann,Lee,1990-01-02,female"], "disposals": ["P9,D9,fine,2023-02-01"]}
    assert run(write(tmp_path / "in", files, narrow)) == 0
    ann = Person.objects.get(reference="P9")
    assert (ann.pnc_id, ann.custody_status, ann.restricted, ann.version, ann.rosh) == (
        "",
        "community",
        False,
        1,
        "",
    )
    assert ann.lead_agency == probation
    assert ann.created_at is not None
    assert ann.updated_at is not None
    d9 = Disposal.objects.get(reference="D9")
    assert (d9.person, d9.release_date, d9.supervised_by_probation, d9.has_rar, d9.version) == (
        ann,
        None,
        False,
        False,
        1,
    )
    assert (d9.accommodation_at_end, d9.employment_at_end) == ("unknown", "unknown")


def test_an_update_raises_the_version_and_a_blank_column_empties_the_field(tmp_path, probation):
    assert run(write(tmp_path / "a", GOOD)) == 0
    stamp = Person.objects.get(reference="P1").updated_at
    blanked = {
        "people": ["P1,,Alan,Smith,1990-01-02,male,,police"],
        "disposals": ["P2,D2,community_order,2023-02-01,,2024-02-01,2024-01-15,,,"],
    }
    assert run(write(tmp_path / "b", blanked)) == 0
    alan = Person.objects.get(reference="P1")
    assert (alan.pnc_id, alan.ethnicity, alan.version) == ("", "", 2)
    assert alan.updated_at > stamp
    d2 = Disposal.objects.get(reference="D2")
    assert (d2.supervised_by_probation, d2.accommodation_at_end, d2.employment_at_end) == (
        False,
        "unknown",
        "unknown",
    )
    assert d2.version == 2
    assert Disposal.objects.get(reference="D1").version == 1


def test_a_disposal_ending_in_the_import_takes_its_end_statuses_from_pathways_outcomes(
    tmp_path, probation
):
    from pathways.models import Outcome

    assert run(write(tmp_path / "a", {"people": GOOD["people"]})) == 0
    beth = Person.objects.get(reference="P2")
    for kind, value, day in [
        ("accommodation", "settled", date(2023, 6, 1)),
        ("accommodation", "nfa", date(2023, 12, 1)),
        ("accommodation", "settled", date(2024, 2, 1)),  # after the end: not used
        ("ete", "employed", date(2024, 1, 15)),  # on the day it ended: used
    ]:
        Outcome.objects.create(person=beth, kind=kind, value=value, recorded_on=day)
    files = {
        "disposals": [
            "P1,D1,custody,2023-02-01,2023-06-01,2023-08-01,,false,,",
            "P2,D2,community_order,2023-02-01,,2024-02-01,2024-01-15,true,unsettled,unknown",
            "P2,D3,community_order,2022-01-01,,,2022-06-01,true,settled,",  # no outcome by then
        ]
    }
    first = imports.import_directory(directory=write(tmp_path / "b", files), by=None)
    assert summary_counts(first) == {"disposals": (3, 0, 0, 0)}
    statuses = dict(Disposal.objects.values_list("reference", "accommodation_at_end"))
    d2 = Disposal.objects.get(reference="D2")
    assert (d2.accommodation_at_end, d2.employment_at_end, d2.version) == ("nfa", "employed", 1)
    assert statuses["D1"] == "unknown"  # not ended: as the file says
    d3 = Disposal.objects.get(reference="D3")
    assert (d3.accommodation_at_end, d3.employment_at_end) == ("settled", "unknown")
    event = AuditEvent.objects.filter(details__import="csv").latest("id")
    assert event.details["end_statuses_from_outcomes"] == 1

    # Importing the same file again changes nothing: the outcomes still win.
    again = imports.import_directory(directory=write(tmp_path / "c", files), by=None)
    assert summary_counts(again) == {"disposals": (0, 0, 3, 0)}
    assert Disposal.objects.get(reference="D2").version == 1

    # A file without the status columns: D1 ends now and takes what the outcomes say.
    narrow = {"disposals": "person_ref,disposal_ref,type,start_date,terminated_date"}
    ended = {"disposals": ["P2,D1,custody,2023-02-01,2024-03-01", "P2,D2,fine,2023-02-01,"]}
    Disposal.objects.filter(reference="D2").update(accommodation_at_end="settled")
    assert run(write(tmp_path / "d", ended, narrow)) == 0
    d1 = Disposal.objects.get(reference="D1")
    assert (d1.accommodation_at_end, d1.employment_at_end, d1.version) == (
        "settled",
        "employed",
        2,
    )
    d2 = Disposal.objects.get(reference="D2")  # no longer ended: its status is left alone
    assert (d2.terminated_date, d2.accommodation_at_end, d2.type) == (None, "settled", "fine")
