"""Writes about people: each validated, version-checked and audited."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from offenders import selectors, services
from offenders.models import Brag, Cohort, ContactKind, ContactOutcome
from rrcase.access.models import Agency
from rrcase.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(borough):
    return User.objects.get(username="probation")


@pytest.fixture
def person(officer):
    return services.person_create(
        reference="S000001",
        given_name="Sam",
        family_name="Tester",
        date_of_birth=date(1991, 3, 2),
        lead_agency=Agency.objects.get(code="probation"),
        by=officer,
    )


def test_brag_change_needs_a_reason_and_records_who_and_when(person, officer):
    with pytest.raises(ValueError, match="reason"):
        services.brag_change(person=person, status=Brag.RED, reason=" ", version=1, by=officer)
    change = services.brag_change(
        person=person, status=Brag.RED, reason="Two missed appointments", version=1, by=officer
    )
    person.refresh_from_db()
    assert person.brag == "red"
    assert person.version == 2
    assert change.changed_by == officer
    event = AuditEvent.objects.get(action="alter", object_type="offenders.bragchange")
    assert event.details == {"brag": {"from": "", "to": "red"}}


def test_a_stale_or_missing_version_is_refused_and_nothing_changes(person, officer):
    services.brag_change(person=person, status=Brag.AMBER, reason="Lapse", version=1, by=officer)
    with pytest.raises(services.StaleEdit, match="Someone else changed"):
        services.brag_change(person=person, status=Brag.GREEN, reason="Good", version=1, by=officer)
    with pytest.raises(services.StaleEdit):
        services.person_update(person=person, version=None, by=officer, family_name="Other")
    person.refresh_from_db()
    assert person.brag == "amber"
    assert person.family_name == "Tester"


def test_person_update_refuses_fields_that_have_their_own_rules(person, officer):
    for field in ("lead_agency", "restricted", "brag", "reference"):
        with pytest.raises(ValueError, match="cannot be changed here"):
            services.person_update(person=person, version=1, by=officer, **{field: None})


def test_adopting_into_iom_grants_police_and_deselecting_removes_it(person, officer):
    police = User.objects.get(username="police")
    assert not selectors.person_list_for(police).exists()
    membership = services.cohort_adopt(
        person=person,
        cohort=Cohort.IOM,
        start_date=date(2026, 1, 5),
        strand="fixed",
        reason="Selected at panel",
        by=officer,
    )
    assert selectors.person_list_for(police).get() == person
    with pytest.raises(ValueError, match="already in that cohort"):
        services.cohort_adopt(
            person=person, cohort=Cohort.IOM, start_date=date(2026, 2, 1), reason="x", by=officer
        )
    with pytest.raises(ValueError, match="on or after"):
        services.cohort_deselect(
            membership=membership,
            end_date=date(2025, 12, 1),
            reason="Completed",
            version=1,
            by=officer,
        )
    services.cohort_deselect(
        membership=membership, end_date=date(2026, 6, 1), reason="Completed", version=1, by=officer
    )
    assert not selectors.person_list_for(police).exists()
    # The lead agency keeps its own access.
    assert selectors.person_list_for(officer).exists()


def test_mappa_needs_category_and_level(person, officer):
    with pytest.raises(ValueError, match="category and a level"):
        services.cohort_adopt(
            person=person, cohort=Cohort.MAPPA, start_date=date(2026, 1, 1), reason="x", by=officer
        )


def test_contact_is_recorded_for_the_users_agency(person, officer):
    contact = services.contact_record(
        person=person,
        kind=ContactKind.APPOINTMENT,
        occurred_on=date(2026, 11, 20),
        outcome=ContactOutcome.MISSED_UNACCEPTABLE,
        notes="Did not attend",
        by=officer,
    )
    assert contact.agency.code == "probation"
    assert AuditEvent.objects.filter(action="collect", object_type="offenders.contact").exists()
    with pytest.raises(ValidationError):
        services.contact_record(
            person=person, kind="teleport", occurred_on=date(2026, 1, 1), by=officer
        )


def test_latest_assessment_sets_current_rosh(person, officer):
    services.assessment_record(
        person=person, assessed_on=date(2026, 6, 1), rosh="high", ogrs3_1y=60, by=officer
    )
    services.assessment_record(
        person=person,
        assessed_on=date(2026, 6, 1) - timedelta(days=300),
        rosh="low",
        ogrs3_1y=20,
        by=officer,
    )
    person.refresh_from_db()
    assert person.rosh == "high"
    with pytest.raises(ValidationError):
        services.assessment_record(
            person=person, assessed_on=date(2026, 7, 1), ogrs3_1y=120, by=officer
        )
