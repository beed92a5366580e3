"""Decisions change the person record through the people services, in the
decision's transaction, and are audited."""

from __future__ import annotations

from datetime import date

import pytest

from offenders.models import BragChange, CohortMembership, Person
from offenders.services import StaleEdit
from panels import services
from panels.models import AgendaItem, PanelDecision, PanelReferral
from rrcase.audit.models import AuditEvent
from tests.panels.conftest import agency, in_iom, make_person, meeting_on, running, user

pytestmark = pytest.mark.django_db

DAY = date(2026, 3, 10)


@pytest.fixture
def item(iom):
    person = make_person()
    in_iom(person)
    meeting = running(meeting_on(iom, DAY))
    return AgendaItem.objects.create(meeting=meeting, person=person, reasons=["added"])


def test_a_brag_change_goes_through_brag_change_and_is_audited(item):
    person = Person.objects.get(pk=item.person_id)
    decision = services.decision_record(
        item=item, outcome="retain", brag="red", brag_reason="Arrested for burglary",
        person_version=person.version, by=user("chair"),
    )  # fmt: skip
    person.refresh_from_db()
    assert person.brag == "red"
    change = BragChange.objects.get(person=person)
    assert (change.status, change.reason, change.changed_by) == (
        "red", "Arrested for burglary", user("chair"),
    )  # fmt: skip
    assert (decision.brag_from, decision.brag_to) == ("", "red")
    events = AuditEvent.objects.filter(person_id=person.pk, action="alter")
    assert events.filter(object_type="panels.paneldecision").get().details["outcome"] == "retain"
    assert events.filter(object_type="offenders.bragchange").exists()


def test_a_stale_person_version_rolls_back_the_whole_decision(item):
    with pytest.raises(StaleEdit):
        services.decision_record(
            item=item, outcome="deselect", brag="green", brag_reason="Engaging",
            person_version=0, by=user("chair"),
        )  # fmt: skip
    assert not PanelDecision.objects.exists()
    assert CohortMembership.objects.get(person_id=item.person_id).end_date is None


def test_deselect_ends_the_cohort_membership(item):
    services.decision_record(
        item=item, outcome="deselect", rationale="Completed licence", by=user("chair")
    )
    membership = CohortMembership.objects.get(person_id=item.person_id)
    assert membership.end_date == DAY
    assert membership.deselection_reason == "Completed licence"


def test_accepting_a_referral_adopts_into_the_cohort(iom):
    person = make_person()
    services.referral_create(
        panel_type=iom, person=person, cohort="iom", reason="Prolific", by=user("probation")
    )
    meeting = running(meeting_on(iom, DAY))
    item = AgendaItem.objects.create(meeting=meeting, person=person, reasons=["referrals"])
    decision = services.decision_record(item=item, outcome="accept", by=user("chair"))
    assert decision.cohort == "iom"
    membership = CohortMembership.objects.get(person=person, cohort="iom")
    assert membership.start_date == DAY
    assert membership.end_date is None
    assert PanelReferral.objects.get(person=person).status == "accepted"
    assert AuditEvent.objects.filter(
        person_id=person.pk, object_type="offenders.cohortmembership"
    ).exists()


def test_no_change_on_a_referral_declines_it(iom):
    person = make_person()
    services.referral_create(
        panel_type=iom, person=person, cohort="iom", reason="Prolific", by=user("probation")
    )
    item = AgendaItem.objects.create(
        meeting=running(meeting_on(iom, DAY)), person=person, reasons=["referrals"]
    )
    services.decision_record(item=item, outcome="no_change", by=user("chair"))
    assert PanelReferral.objects.get(person=person).status == "declined"
    assert not CohortMembership.objects.filter(person=person).exists()


def test_decisions_need_a_running_meeting(iom):
    person = make_person()
    item = AgendaItem.objects.create(meeting=meeting_on(iom, DAY), person=person)
    with pytest.raises(services.IllegalTransition, match="only record decisions"):
        services.decision_record(item=item, outcome="retain", by=user("chair"))


def test_actions_are_owned_by_permitted_member_agencies(item):
    with pytest.raises(ValueError, match="cannot own"):
        services.action_create(
            meeting=item.meeting, item=item, description="Rehouse", owner_agency=agency("housing"),
            due_date=DAY, by=user("chair"),
        )  # fmt: skip
    with pytest.raises(ValueError, match="does not work for"):
        services.action_create(
            meeting=item.meeting, item=item, description="Visit", owner_agency=agency("police"),
            owner_user=user("probation"), due_date=DAY, by=user("chair"),
        )  # fmt: skip
