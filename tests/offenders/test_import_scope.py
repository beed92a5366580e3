"""A user's import may change only what the user's agency may change (issue #13
item 1; SECURITY.md "Imports are writes like any other"; docs/import.md "Whose
records an import may change").

The class of test: every import file kind, tried by every kind of uploader who
may not change a police-led person, must change nothing and must say exactly
what it says about a reference that does not exist."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from offenders import imports, selectors, services
from offenders.models import (
    CohortMembership,
    Disposal,
    Involvement,
    InvolvementReason,
    Offence,
    Person,
    PersonGroupObjectPermission,
    RiskAssessment,
)
from rrcase.access import services as access_services
from rrcase.access.models import Agency, Role
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
# One row per file kind about person {ref}. The people row names the police as
# lead (as an extract of the police's record would): the same words whether or
# not the person exists (a people.csv row naming the uploader's own agency, or
# none, creates a person who does not exist: see the collision test below).
ROWS = {
    "people": "{ref},,Mallory,Takeover,1990-01-01,male,,police",
    "offences": "{ref},OX9,2023-01-01,fraud,nfa,",
    "disposals": "{ref},DX9,fine,2023-01-01,,,,,,",
    "cohorts": "{ref},asb,2023-01-01,,,,,Takeover",
    "assessments": "{ref},2023-05-01,very_high,,,,",
}
HELD = "XP0001"  # the police-led person's reference
NOBODY = "XQ0002"  # held by no one (same length, so reasons compare after a swap)
HANDOVER = f"{HELD},,Pat,Police,1980-05-05,male,,probation"  # lead_agency to probation


def user(username: str) -> User:
    return User.objects.get(username=username)


def member(username: str, agency: str, role: Role) -> User:
    return access_services.user_create(
        username=username,
        first_name="Test",
        last_name=username,
        email=f"{username}@example.org",
        agency=Agency.objects.get(code=agency),
        role=role,
        password=None,
        by=None,
    )


@pytest.fixture
def police_person(borough) -> Person:
    """Led by the police; probation cannot see them; housing may read (a referral)."""
    person = services.person_create(
        reference=HELD,
        given_name="Pat",
        family_name="Police",
        date_of_birth=date(1980, 5, 5),
        gender="male",
        lead_agency=Agency.objects.get(code="police"),
        by=None,
    )
    Offence.objects.create(
        person=person,
        reference="OP1",
        offence_date=date(2022, 1, 1),
        category="robbery",
        outcome="pending",
    )
    Disposal.objects.create(
        person=person, reference="DP1", type="fine", start_date=date(2022, 2, 1)
    )
    services.involvement_start(
        person=person,
        agency=Agency.objects.get(code="housing"),
        reason=InvolvementReason.REFERRAL,
        source="referral:1",
        by=None,
    )
    return person


def snapshot(person: Person) -> dict[str, object]:
    """Everything an import could change about the person, and who sees them."""
    fresh = Person.objects.get(pk=person.pk)
    return {
        "person": (
            fresh.reference,
            fresh.given_name,
            fresh.family_name,
            fresh.date_of_birth,
            fresh.lead_agency_id,
            fresh.version,
            fresh.rosh,
        ),
        "offences": sorted(
            Offence.objects.filter(person=fresh).values_list("reference", "outcome")
        ),
        "disposals": sorted(
            Disposal.objects.filter(person=fresh).values_list("reference", "version")
        ),
        "cohorts": CohortMembership.objects.filter(person=fresh).count(),
        "assessments": RiskAssessment.objects.filter(person=fresh).count(),
        "involvements": sorted(
            Involvement.objects.filter(person=fresh, ended_at__isnull=True).values_list(
                "agency__code", "reason"
            )
        ),
        "grants": PersonGroupObjectPermission.objects.filter(content_object=fresh).count(),
    }


def write(directory: Path, name: str, rows: list[str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{name}.csv").write_text("\n".join([HEADERS[name], *rows]) + "\n")
    return directory


def outputs(result: imports.ImportResult) -> tuple[object, ...]:
    """What the uploader sees: the summary and the rejects file."""
    assert result.rejects_path is not None
    with result.rejects_path.open(newline="", encoding="utf-8") as stream:
        rejects = list(csv.reader(stream))
    return (result.summary_dict(), rejects)


# The uploaders who may not change the police-led person.
UPLOADERS = {
    "outsider agency admin": ("dwp-admin", "dwp", Role.AGENCY_ADMIN, False),
    "analyst": ("analyst", None, None, False),
    "agency admin of another agency": ("probation-admin", None, None, False),
    "read-only partner's admin": ("housing-admin", "housing", Role.AGENCY_ADMIN, False),
    "dry run": ("probation-admin", None, None, True),
}


@pytest.mark.parametrize("kind", list(ROWS))
@pytest.mark.parametrize("uploader", list(UPLOADERS))
def test_an_uploader_who_may_not_change_the_person_changes_nothing_and_learns_nothing(
    tmp_path, police_person, kind, uploader
):
    username, agency, role, dry_run = UPLOADERS[uploader]
    by = member(username, agency, role) if agency else user(username)
    before = snapshot(police_person)

    held = imports.import_directory(
        directory=write(tmp_path / "held", kind, [ROWS[kind].format(ref=HELD)]),
        by=by,
        dry_run=dry_run,
    )
    assert snapshot(police_person) == before
    assert selectors.person_list_for(user("police")).filter(pk=police_person.pk).exists()
    missing = imports.import_directory(
        directory=write(tmp_path / "missing", kind, [ROWS[kind].format(ref=NOBODY)]),
        by=by,
        dry_run=dry_run,
    )
    assert not Person.objects.filter(reference=NOBODY).exists()

    summary, rejects = outputs(held)
    assert (summary, [[c.replace(HELD, NOBODY) for c in r] for r in rejects]) == outputs(missing)
    assert summary["files"][f"{kind}.csv"]["rejected"] == 1
    assert summary["committed"] is False
    (reason,) = [row[2] for row in rejects[1:]]
    if kind != "people":
        assert reason == f"person_ref '{HELD}': not a record your agency can update"
    # The refusal of an existing person is on their access log (not so for no one).
    denied = AuditEvent.objects.filter(action="access_denied", person_id=police_person.pk)
    assert denied.count() == (1 if kind != "people" else 0)


def test_the_reported_takeover_is_refused_in_neutral_words(tmp_path, police_person):
    """Issue #13 item 1: probation's admin (and an analyst) upload the police's
    person with new details and lead_agency=probation. Nothing moves; police
    still opens its record; the reason does not say the reference exists."""
    before = snapshot(police_person)
    row = f"{HELD},,Mallory,Takeover,1999-09-09,male,,probation"
    result = imports.import_directory(
        directory=write(tmp_path / "a", "people", [row]), by=user("probation-admin")
    )
    _, rejects = outputs(result)
    assert rejects[1] == ["people.csv", "2", f"person_ref '{HELD}': {imports.NOT_YOURS}"]
    assert snapshot(police_person) == before
    assert not selectors.person_list_for(user("probation")).filter(pk=police_person.pk).exists()
    assert selectors.person_get_for(user("police"), police_person.pk) == police_person
    (denied,) = AuditEvent.objects.filter(action="access_denied", person_id=police_person.pk)
    assert denied.actor == user("probation-admin")
    assert denied.details["file"] == "people.csv"

    # The council's analyst naming probation as lead: refused before existence is asked.
    result = imports.import_directory(
        directory=write(tmp_path / "b", "people", [row]), by=user("analyst")
    )
    _, rejects = outputs(result)
    assert rejects[1][2].startswith("lead_agency 'probation' is not your agency")
    assert snapshot(police_person) == before


def test_creating_a_person_whose_reference_is_held_elsewhere_is_refused_and_recorded(
    tmp_path, police_person
):
    """References are unique, so a new person cannot take one held by another
    agency's person: the row is refused in the neutral words (it could be told
    apart from a create, which is why each such refusal is on the person's
    access log for the lead agency and information governance to see)."""
    before = snapshot(police_person)
    result = imports.import_directory(
        directory=write(tmp_path / "a", "people", [f"{HELD},,New,Person,1990-01-01,male,,"]),
        by=user("probation-admin"),
        partial=True,
    )
    summary, rejects = outputs(result)
    assert rejects[1][2] == f"person_ref '{HELD}': not a record your agency can update"
    assert summary["files"]["people.csv"]["created"] == 0
    assert snapshot(police_person) == before
    assert AuditEvent.objects.filter(action="access_denied", person_id=police_person.pk).exists()


def test_a_users_import_creates_people_led_by_their_own_agency(tmp_path, borough):
    rows = ["NEW1,,New,Person,1990-01-01,male,,", "NEW2,,Other,Person,1990-01-01,male,,police"]
    result = imports.import_directory(
        directory=write(tmp_path / "a", "people", rows), by=user("probation-admin"), partial=True
    )
    _, rejects = outputs(result)
    assert [r[1] for r in rejects[1:]] == ["3"]
    assert rejects[1][2] == (
        "lead_agency 'police' is not your agency: an import adds people led by your own "
        "agency (probation) only"
    )
    new = Person.objects.get(reference="NEW1")
    assert new.lead_agency.code == "probation"
    assert not Person.objects.filter(reference="NEW2").exists()
    # Importing the same file again: NEW1 is probation's own, so it is unchanged.
    again = imports.import_directory(
        directory=write(tmp_path / "b", "people", rows[:1]), by=user("probation-admin")
    )
    assert again.files["people"].unchanged == 1
    assert again.rejected == 0


def test_a_partner_that_may_change_the_person_updates_them_but_never_moves_the_lead(
    tmp_path, police_person
):
    """Probation as an IOM cohort partner may change the police-led person (as on
    the edit page): its import may update details, not take the lead."""
    services.involvement_start(
        person=police_person,
        agency=Agency.objects.get(code="probation"),
        reason=InvolvementReason.COHORT,
        source="cohort:99",
        can_change=True,
        by=None,
    )
    admin = user("probation-admin")
    moved = imports.import_directory(
        directory=write(tmp_path / "a", "people", [HANDOVER]),
        by=admin,
    )
    _, rejects = outputs(moved)
    assert rejects[1][2] == "only the lead agency's own import can move the lead agency"
    assert Person.objects.get(pk=police_person.pk).lead_agency.code == "police"

    renamed = imports.import_directory(
        directory=write(tmp_path / "b", "people", [f"{HELD},,Pat,Polis,1980-05-05,male,,"]),
        by=admin,
    )
    assert renamed.files["people"].updated == 1
    person = Person.objects.get(pk=police_person.pk)
    assert (person.family_name, person.lead_agency.code) == ("Polis", "police")
    event = AuditEvent.objects.get(person_id=person.pk, details__files__has_key="people.csv")
    change = event.details["files"]["people.csv"]
    assert (event.actor, event.action, change["fields"]) == (admin, "alter", ["family_name"])
    assert change["before"] == {"family_name": "Police"}


def test_the_lead_agencys_own_import_may_hand_the_lead_over(tmp_path, police_person):
    police_admin = member("police-admin", "police", Role.AGENCY_ADMIN)
    result = imports.import_directory(
        directory=write(tmp_path / "a", "people", [HANDOVER]),
        by=police_admin,
    )
    assert result.rejected == 0
    assert Person.objects.get(pk=police_person.pk).lead_agency.code == "probation"


def test_an_offence_held_for_another_agencys_person_is_not_moved_to_ours(
    tmp_path, police_person, borough
):
    ours = services.person_create(
        reference="OURS1",
        given_name="Our",
        family_name="Person",
        date_of_birth=date(1990, 1, 1),
        lead_agency=Agency.objects.get(code="probation"),
        by=None,
    )
    rows = ["OURS1,OP1,2022-01-01,robbery,pending,", "OURS1,OQ1,2022-01-01,robbery,pending,"]
    result = imports.import_directory(
        directory=write(tmp_path / "a", "offences", rows), by=user("probation-admin"), partial=True
    )
    _, rejects = outputs(result)
    assert rejects[1:] == [["offences.csv", "2", f"offence_ref 'OP1': {imports.NOT_YOURS}"]]
    assert Offence.objects.get(reference="OP1").person == police_person
    assert Offence.objects.get(reference="OQ1").person == ours
    disposal = imports.import_directory(
        directory=write(tmp_path / "b", "disposals", ["OURS1,DP1,fine,2022-02-01,,,,,,"]),
        by=user("probation-admin"),
    )
    assert outputs(disposal)[1][1][2] == "disposal_ref 'DP1': not a record your agency can update"
    assert Disposal.objects.get(reference="DP1").person == police_person


def test_a_restricted_record_is_changed_only_by_an_import_of_someone_named_on_it(tmp_path, borough):
    person = services.person_create(
        reference="R1",
        given_name="Res",
        family_name="Tricted",
        date_of_birth=date(1990, 1, 1),
        lead_agency=Agency.objects.get(code="probation"),
        by=None,
    )
    services.person_restrict(
        person=person, named_users=[user("probation")], by=user("probation"), justification="LAO"
    )
    result = imports.import_directory(
        directory=write(tmp_path / "a", "offences", ["R1,OR1,2023-01-01,fraud,nfa,"]),
        by=user("probation-admin"),
    )
    assert outputs(result)[1][1][2] == "person_ref 'R1': not a record your agency can update"
    assert not Offence.objects.filter(reference="OR1").exists()


def test_the_command_line_import_keeps_full_rights(tmp_path, police_person):
    result = imports.import_directory(
        directory=write(tmp_path / "a", "offences", [f"{HELD},OX9,2023-01-01,fraud,nfa,"]),
        by=None,
        operator={"os_user": "ops"},
    )
    assert result.rejected == 0
    assert Offence.objects.get(reference="OX9").person == police_person
    event = AuditEvent.objects.get(details__import="csv")
    assert (event.actor, event.actor_username) == (None, "(ops)")


def test_the_scope_is_asked_once_a_batch_not_once_a_row(
    tmp_path, borough, django_assert_max_num_queries, monkeypatch
):
    """Set-based, for speed: the queries of an import by a user do not grow with its rows."""
    monkeypatch.setattr(imports, "BATCH_SIZE", 1000)
    probation = Agency.objects.get(code="probation")
    for n in range(30):
        services.person_create(
            reference=f"S{n}",
            given_name="S",
            family_name="P",
            date_of_birth=date(1990, 1, 1),
            lead_agency=probation,
            by=None,
        )
    admin = user("probation-admin")
    selectors.person_list_for(admin)  # the membership, cached on the user

    def queries_for(count: int, run: str = "") -> int:
        rows = [f"S{n},OS{count}{run}-{n},2023-01-01,fraud,nfa," for n in range(count)]
        directory = write(tmp_path / f"n{count}{run}", "offences", rows)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            result = imports.import_directory(directory=directory, by=admin)
        assert result.rejected == 0
        return len(captured)

    queries_for(3, "warm")  # the first import in a process looks up content types
    assert queries_for(3) == queries_for(30)
