"""Who sees which person: the grant mechanism and the scoped selector."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import Http404

from offenders import selectors, services
from offenders.models import InvolvementReason
from rrcase.access.models import Agency
from rrcase.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(borough):
    return services.person_create(
        reference="T000001",
        given_name="Test",
        family_name="Person",
        date_of_birth=date(1990, 5, 17),
        lead_agency=Agency.objects.get(code="probation"),
        by=None,
    )


def user(username: str) -> User:
    return User.objects.get(username=username)


def test_lead_agency_colleagues_see_the_person_and_outsiders_do_not(person):
    assert list(selectors.person_list_for(user("probation"))) == [person]
    assert list(selectors.person_list_for(user("probation2"))) == [person]
    assert not selectors.person_list_for(user("police")).exists()
    assert not selectors.person_list_for(user("housing")).exists()


def test_outsider_gets_404_and_the_refusal_is_logged(person):
    with pytest.raises(Http404):
        selectors.person_get_for(user("housing"), person.pk)
    denied = AuditEvent.objects.get(action="access_denied")
    assert denied.actor_username == "housing"
    assert denied.person_id == person.pk


def test_analyst_never_sees_people_even_from_an_involved_agency(person):
    analyst = user("analyst")
    services.involvement_start(
        person=person, agency=analyst.membership.agency, reason=InvolvementReason.PANEL, by=None
    )
    assert not selectors.person_list_for(analyst).exists()
    # The analyst's agency is involved, so the record's existence is no secret: 403, not 404.
    with pytest.raises(PermissionDenied):
        selectors.person_get_for(analyst, person.pk)


def test_partner_with_a_view_grant_reads_but_cannot_change(person):
    housing = Agency.objects.get(code="housing")
    services.involvement_start(
        person=person, agency=housing, reason=InvolvementReason.REFERRAL, source="ref-1", by=None
    )
    assert selectors.person_get_for(user("housing"), person.pk) == person
    with pytest.raises(PermissionDenied):
        selectors.person_get_for(user("housing"), person.pk, for_change=True)
    assert selectors.person_get_for(user("probation"), person.pk, for_change=True) == person


def test_access_lasts_while_any_involvement_remains(person):
    police = Agency.objects.get(code="police")
    services.involvement_start(
        person=person, agency=police, reason=InvolvementReason.COHORT, by=None, can_change=True
    )
    services.involvement_start(
        person=person, agency=police, reason=InvolvementReason.REFERRAL, source="r9", by=None
    )
    services.involvement_end(person=person, agency=police, reason=InvolvementReason.COHORT, by=None)
    assert selectors.person_list_for(user("police")).exists()
    assert not selectors.person_may_change(user("police"), person)
    services.involvement_end(
        person=person, agency=police, reason=InvolvementReason.REFERRAL, source="r9", by=None
    )
    assert not selectors.person_list_for(user("police")).exists()
    actions = list(
        AuditEvent.objects.filter(person_id=person.pk, recipient=police.name)
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["grant", "grant", "revoke", "revoke"]


def test_restricted_record_is_seen_only_by_named_users(person):
    services.person_restrict(
        person=person,
        named_users=[user("probation")],
        by=user("probation"),
        justification="Staff member's relative",
    )
    assert selectors.person_list_for(user("probation")).exists()
    assert not selectors.person_list_for(user("probation2")).exists()
    assert selectors.person_restricted_hidden_count_for(user("probation2")) == 1
    with pytest.raises(PermissionDenied):
        selectors.person_get_for(user("probation2"), person.pk)


def test_reading_a_person_records_a_consultation(person):
    selectors.person_get_for(user("probation"), person.pk)
    event = AuditEvent.objects.filter(action="consult").get()
    assert event.person_id == person.pk
    assert event.agency.code == "probation"


def test_list_query_count_does_not_grow_with_grants(borough, django_assert_max_num_queries):
    probation = Agency.objects.get(code="probation")
    for n in range(30):
        services.person_create(
            reference=f"Q{n:06d}",
            given_name="Q",
            family_name=f"Person{n}",
            date_of_birth=date(1980, 1, 1),
            lead_agency=probation,
            by=None,
        )
    officer = user("probation")
    with django_assert_max_num_queries(2):
        assert len(list(selectors.person_list_for(officer))) == 30
