"""The person page: identity bar, tabs, who may open each, and query counts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from offenders import services
from offenders.models import (
    Cohort,
    ContactKind,
    ContactOutcome,
    Disposal,
    DisposalType,
    Offence,
    Rosh,
    Sensitivity,
)
from rrcase.audit.models import AuditEvent

from .conftest import user

pytestmark = pytest.mark.django_db

TABS = ["", "offending/", "sentence/", "pathways/", "panels/", "activity/", "access-log/"]


@pytest.mark.parametrize("tab", TABS)
def test_lead_agency_practitioner_opens_every_tab(sign_in, person, tab):
    response = sign_in("probation").get(f"/people/{person.pk}/{tab}")
    assert response.status_code == 200
    body = response.content.decode()
    assert "moj-identity-bar" in body
    assert "16 June 1990" in body
    assert "N900001" in body


@pytest.mark.parametrize("tab", TABS)
def test_outsider_gets_404_on_every_tab(sign_in, person, tab):
    assert sign_in("housing").get(f"/people/{person.pk}/{tab}").status_code == 404


@pytest.mark.parametrize("tab", TABS)
def test_analyst_gets_403_on_every_tab(sign_in, person, tab):
    assert sign_in("analyst").get(f"/people/{person.pk}/{tab}").status_code == 403


@pytest.mark.parametrize("tab", TABS)
def test_restricted_record_is_403_for_colleagues_not_named(sign_in, person, tab):
    services.person_restrict(person=person, named_users=[user("probation")], by=user("probation"),
                             justification="Staff relative")  # fmt: skip
    assert sign_in("probation2").get(f"/people/{person.pk}/{tab}").status_code == 403


def test_a_missing_person_is_404(sign_in, borough):
    assert sign_in("probation").get("/people/999999/").status_code == 404


def test_opening_a_tab_is_an_audited_consultation(sign_in, person):
    sign_in("probation").get(f"/people/{person.pk}/offending/")
    assert AuditEvent.objects.filter(action="consult", person_id=person.pk).count() == 1


def test_access_log_is_for_the_lead_agency_only(sign_in, shared_with_housing):
    person = shared_with_housing
    housing = sign_in("housing")
    overview = housing.get(f"/people/{person.pk}/").content.decode()
    assert "Access log" not in overview  # the tab is hidden for partners
    assert housing.get(f"/people/{person.pk}/access-log/").status_code == 403
    log = sign_in("probation").get(f"/people/{person.pk}/access-log/").content.decode()
    assert "housing" in log  # housing's consultation is in the log


def test_identity_bar_shows_rosh_mappa_and_brag(sign_in, person):
    by = user("probation")
    services.assessment_record(person=person, assessed_on=date(2025, 1, 1), rosh=Rosh.HIGH, by=by)
    services.brag_change(person=person, status="amber", reason="Lapse", version=person.version,
                         by=by)  # fmt: skip
    services.cohort_adopt(person=person, cohort=Cohort.MAPPA, start_date=date(2025, 2, 1),
                          reason="Cat 2", mappa_category=2, mappa_level=3, by=by)  # fmt: skip
    body = sign_in("probation").get(f"/people/{person.pk}/").content.decode()
    assert 'govuk-tag--orange">High' in body
    assert "Category 2, level 3" in body
    assert 'govuk-tag--orange">Amber' in body
    assert "Lapse" in body  # the last BRAG reason


def test_overview_shows_cohort_overlap_and_probation_reset(sign_in, person):
    by = user("probation")
    today = timezone.localdate()
    services.cohort_adopt(person=person, cohort=Cohort.IOM, start_date=today - timedelta(days=90),
                          reason="Matrix", strand="fixed", by=by)  # fmt: skip
    services.cohort_adopt(person=person, cohort=Cohort.DIP, start_date=today - timedelta(days=60),
                          reason="Class A use", by=by)  # fmt: skip
    # A licence still running: it began 300 days ago (a fixed start date would
    # have ended by some later "today", and the reset with it).
    start = today - timedelta(days=300)
    Disposal.objects.create(
        person=person,
        reference="L1",
        type=DisposalType.LICENCE,
        start_date=start,
        end_date=start + timedelta(days=900),
        supervised_by_probation=True,
    )
    body = sign_in("probation").get(f"/people/{person.pk}/").content.decode()
    assert "In 2 cohorts at once" in body
    two_thirds = start + timedelta(days=600)
    assert f"{two_thirds.day} {two_thirds:%B %Y}" in body
    assert "Not exempt" in body
    assert 'data-alert-code="multiple_cohorts"' in body


def test_offending_tab_lists_offences(sign_in, person):
    Offence.objects.create(person=person, reference="O1", offence_date=date(2024, 3, 1),
                           category="robbery", outcome="conviction",
                           outcome_date=date(2024, 5, 1))  # fmt: skip
    body = sign_in("probation").get(f"/people/{person.pk}/offending/").content.decode()
    assert "Robbery" in body
    assert "1 March 2024" in body


def test_police_intelligence_is_absent_for_agencies_the_agreement_excludes(
    sign_in, shared_with_housing
):
    person = shared_with_housing
    by = user("police")
    from offenders.models import Contact
    from rrcase.access.models import Agency

    Contact.objects.create(person=person, kind=ContactKind.NOTE, occurred_on=date(2025, 1, 2),
                           agency=Agency.objects.get(code="police"), recorded_by=by,
                           notes="Associates with OCG nominal",
                           sensitivity=Sensitivity.POLICE_INTELLIGENCE)  # fmt: skip
    for tab in ("sentence/", "activity/"):
        body = sign_in("housing").get(f"/people/{person.pk}/{tab}").content.decode()
        assert "OCG" not in body


def test_activity_timeline_and_kind_filter(sign_in, person):
    by = user("probation")
    services.contact_record(person=person, kind=ContactKind.APPOINTMENT,
                            occurred_on=date(2025, 3, 3),
                            outcome=ContactOutcome.MISSED_UNACCEPTABLE, by=by)  # fmt: skip
    services.brag_change(person=person, status="red", reason="Missed appointments",
                         version=person.version, by=by)  # fmt: skip
    client = sign_in("probation")
    body = client.get(f"/people/{person.pk}/activity/").content.decode()
    assert "moj-timeline" in body
    assert "Missed (unacceptable)" in body
    assert "BRAG changed to Red" in body
    only_brag = client.get(f"/people/{person.pk}/activity/?kind=brag").content.decode()
    assert "BRAG changed to Red" in only_brag
    assert "Missed (unacceptable)" not in only_brag


def test_a_long_activity_timeline_comes_50_at_a_time(sign_in, person):
    by = user("probation")
    for n in range(55):
        services.contact_record(person=person, kind=ContactKind.APPOINTMENT,
                                occurred_on=date(2020, 1, 1) + timedelta(days=n),
                                outcome=ContactOutcome.ATTENDED, by=by)  # fmt: skip
    client = sign_in("probation")
    first = client.get(f"/people/{person.pk}/activity/?kind=contact").content.decode()
    assert first.count('class="moj-timeline__item"') == 50
    assert "Showing 1 to 50 of 55 entries" in first
    assert "24 February 2020" in first  # newest first
    second = client.get(f"/people/{person.pk}/activity/?kind=contact&page=2").content.decode()
    assert second.count('class="moj-timeline__item"') == 5
    assert "1 January 2020" in second


@pytest.mark.parametrize("contacts", [5, 50])
@pytest.mark.parametrize("tab", TABS)
def test_person_page_query_count_is_constant(sign_in, person, contacts, tab,
                                             django_assert_max_num_queries):  # fmt: skip
    """Guards N+1 on contacts' agency and recorder, enforcement, BRAG and cohort rows."""
    from datetime import UTC, datetime

    by = user("probation")
    for n in range(contacts):
        services.contact_record(person=person, kind=ContactKind.APPOINTMENT,
                                occurred_on=date(2025, 1, 1) + timedelta(days=n),
                                outcome=ContactOutcome.ATTENDED, by=by)  # fmt: skip
        services.enforcement_record(person=person, kind="warning_letter",
                                    occurred_at=datetime(2025, 1, 1, 10, tzinfo=UTC),
                                    by=by)  # fmt: skip
        Offence.objects.create(person=person, reference=f"O{n}", offence_date=date(2024, 1, 1),
                               category="shoplifting", outcome="pending")  # fmt: skip
    client = sign_in("probation")
    with django_assert_max_num_queries(22):
        assert client.get(f"/people/{person.pk}/{tab}").status_code == 200
