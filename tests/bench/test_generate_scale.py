"""generate_scale writes benchmark data the application itself can read: the
people appear in their agencies' case lists, their offender managers can sign
in as members of the lead agency, and referrals and panel history hang
together. Run at a few hundred people; the 250,000-person figures are in
docs/benchmarks.md."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F
from django.utils import timezone

from offenders.models import CohortMembership, Person
from offenders.selectors import person_list_for
from panels.models import AgendaItem, PanelMeeting
from pathways.models import Need, Referral, ReferralState
from rrcase.access.selectors import agency_of

PEOPLE = 400


@pytest.fixture
def generated(borough):
    call_command("generate_scale", people=PEOPLE, stdout=StringIO())


def user(username):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


def test_people_are_visible_to_their_lead_agency_only_through_grants(generated):
    generated_people = Person.objects.filter(reference__startswith="B")
    assert generated_people.count() == PEOPLE
    probation = user("probation")
    led_by_probation = generated_people.filter(lead_agency=agency_of(probation))
    visible = person_list_for(probation).filter(reference__startswith="B")
    assert led_by_probation.exists()
    assert set(led_by_probation.values_list("pk", flat=True)) <= set(
        visible.values_list("pk", flat=True)
    )
    # Housing is a partner only for the ASB cohort: it sees the people in it now
    # and no one else (not those whose membership has ended).
    seen_by_housing = person_list_for(user("housing")).filter(reference__startswith="B")
    asb = generated_people.filter(
        cohort_memberships__cohort="asb", cohort_memberships__end_date__isnull=True
    )
    assert seen_by_housing.exists()
    assert set(seen_by_housing.values_list("pk", flat=True)) == set(
        asb.values_list("pk", flat=True)
    )


def test_every_generated_grant_has_a_live_reason(generated):
    """Access ends with the reason for it (rrcase.access.live_reasons): no cohort
    partner keeps access after the membership that gave it ended."""
    from rrcase.access.live_reasons import grants_without_live_reason

    assert grants_without_live_reason(today=timezone.localdate()) == []
    ended = CohortMembership.objects.filter(
        person__reference__startswith="B", end_date__isnull=False
    )
    assert ended.exists()  # there were memberships to get wrong


def test_offender_managers_belong_to_the_lead_agency(generated):
    managed = Person.objects.filter(reference__startswith="B", offender_manager__isnull=False)
    assert managed.count() > PEOPLE * 0.8
    for person in managed.select_related("offender_manager__membership")[:50]:
        assert person.offender_manager.membership.agency_id == person.lead_agency_id
        assert not person.offender_manager.has_usable_password()


def test_needs_referrals_and_panels_hang_together(generated):
    needs = Need.objects.filter(person__reference__startswith="B")
    assert needs.count() > PEOPLE * 0.8
    referrals = Referral.objects.filter(person__reference__startswith="B")
    assert referrals.exists()
    assert not referrals.exclude(need__person=F("person")).exists()
    rejected = referrals.filter(state=ReferralState.REJECTED)
    assert all(r.rejection_reason for r in rejected)
    upcoming = PanelMeeting.objects.filter(
        panel_type__code__startswith="bench-iom-", status="scheduled"
    )
    assert upcoming.exists()
    items = AgendaItem.objects.filter(meeting__panel_type__code__startswith="bench-iom-")
    # Only IOM cohort members are put on the IOM panels' agendas.
    assert items.exists()
    assert not items.exclude(person__cohort_memberships__cohort="iom").exists()


def test_the_application_keeps_working_after_generation(generated, sign_in):
    # Sequences are moved past the copied rows, so ordinary inserts still work.
    from offenders import services

    probation = user("probation")
    person = services.person_create(
        reference="N900001",
        given_name="After",
        family_name="Generation",
        date_of_birth=date(1990, 1, 1),
        lead_agency=agency_of(probation),
        by=probation,
    )
    assert person.pk > Person.objects.exclude(pk=person.pk).order_by("-pk").first().pk
    response = sign_in("probation").get("/cases/?tab=all")
    assert response.status_code == 200
    assert "of more than" not in response.content.decode()  # a few hundred: an exact count


def test_refuses_a_database_with_other_people(borough):
    from offenders import services
    from rrcase.access.models import Agency

    services.person_create(
        reference="X123", given_name="Real", family_name="Record", date_of_birth=date(1990, 1, 1),
        lead_agency=Agency.objects.get(code="police"), by=None,
    )  # fmt: skip
    with pytest.raises(CommandError, match="benchmark database"):
        call_command("generate_scale", people=10)
