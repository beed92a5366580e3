"""Writes about people: each validated, version-checked and audited."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils import timezone

from offenders import selectors, services
from offenders.models import Brag, Cohort, ContactKind, ContactOutcome, Disposal, DisposalType
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


def licence(person, start: date) -> Disposal:
    return Disposal.objects.create(
        person=person, reference="D-T1", type=DisposalType.LICENCE, start_date=start,
        end_date=start + timedelta(days=365), supervised_by_probation=True,
    )  # fmt: skip


def test_terminating_a_disposal_records_the_day_and_reason_and_takes_pathways_outcomes(
    person, officer
):
    from pathways import services as pathways_services
    from pathways.models import OutcomeKind

    today = timezone.localdate()
    disposal = licence(person, today - timedelta(days=200))
    pathways_services.outcome_record(person=person, kind=OutcomeKind.ACCOMMODATION,
                                     value="settled", recorded_on=today - timedelta(days=20),
                                     by=officer)  # fmt: skip
    pathways_services.outcome_record(person=person, kind=OutcomeKind.ETE, value="employed",
                                     recorded_on=today - timedelta(days=3), by=officer)  # fmt: skip
    ended = services.disposal_terminate(
        disposal=disposal, terminated_date=today - timedelta(days=5), reason=" Completed ",
        version=1, by=officer,
    )  # fmt: skip
    disposal.refresh_from_db()
    assert (disposal.terminated_date, disposal.termination_reason) == (
        today - timedelta(days=5), "Completed")  # fmt: skip
    # The outcome hook ran: settled by the end; the job came after it, so not counted.
    assert (disposal.accommodation_at_end, disposal.employment_at_end) == ("settled", "unknown")
    assert ended.version == disposal.version == 3  # terminated, then outcomes at end
    events = AuditEvent.objects.filter(object_type="offenders.disposal", action="alter")
    assert [e.details for e in events.order_by("pk")] == [
        {"terminated": str(today - timedelta(days=5)), "reason": "Completed"},
        {"before": {"accommodation_at_end": "unknown", "employment_at_end": "unknown"},
         "after": {"accommodation_at_end": "settled", "employment_at_end": "unknown"},
         "from": "pathways outcomes"},
    ]  # fmt: skip
    assert events.first().actor == officer


@pytest.mark.parametrize(
    ("days_ago", "reason", "version", "error"),
    [
        (201, "Revoked", 1, "on or after the start date"),  # before the start
        (-1, "Revoked", 1, "today or in the past"),  # tomorrow
        (0, "  ", 1, "Give the reason"),
        (0, "Revoked", None, "did not say which version"),
        (0, "Revoked", 7, "Someone else changed this sentence or order"),
    ],
)
def test_terminating_a_disposal_refuses_bad_input(person, officer, days_ago, reason, version,
                                                  error):  # fmt: skip
    today = timezone.localdate()
    disposal = licence(person, today - timedelta(days=200))
    with pytest.raises((ValueError, services.StaleEdit), match=error):
        services.disposal_terminate(disposal=disposal, reason=reason, version=version,
                                    terminated_date=today - timedelta(days=days_ago),
                                    by=officer)  # fmt: skip
    disposal.refresh_from_db()
    assert (disposal.terminated_date, disposal.version) == (None, 1)
    assert not AuditEvent.objects.filter(object_type="offenders.disposal").exists()


def test_a_disposal_ends_once(person, officer):
    today = timezone.localdate()
    disposal = licence(person, today - timedelta(days=200))
    services.disposal_terminate(disposal=disposal, terminated_date=today, reason="Completed",
                                version=1, by=officer)  # fmt: skip
    with pytest.raises(ValueError, match="already ended"):
        services.disposal_terminate(disposal=disposal, terminated_date=today, reason="Again",
                                    version=2, by=officer)  # fmt: skip
    disposal.refresh_from_db()
    assert disposal.termination_reason == "Completed"
