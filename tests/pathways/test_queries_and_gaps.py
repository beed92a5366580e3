"""Query counts that stay constant as rows grow (the N+1s they guard are named
on each test), and the gap analysis on a known dataset."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from offenders import services as offender_services
from offenders.models import Cohort
from pathways import selectors, services
from pathways.models import NeedStatus, NeedType, Provider, Referral, Service

from .conftest import agency, user

pytestmark = pytest.mark.django_db


def queries(client, url: str) -> int:
    client.get(url)  # settle per-session writes (the idle clock starts on the first page)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def add_needs_and_referrals(person, cas3, n: int) -> None:
    """n needs on several pathways, each referred to CAS3 and sent."""
    types = list(NeedType.objects.filter(is_other=False).order_by("id"))
    existing = person.needs.count()
    for k in range(existing, existing + n):
        need = services.need_record(person=person, need_type=types[k % len(types)],
                                    by=user("probation"))  # fmt: skip
        if need.pathway_id == cas3.pathway_id:
            referral = services.referral_create(need=need, service=cas3, reason="r",
                                                by=user("probation"))  # fmt: skip
            services.referral_send(referral=referral, by=user("probation"), version=1)
        services.outcome_record(person=person, kind="accommodation", value="temporary",
                                recorded_on=timezone.localdate(), by=user("probation"))  # fmt: skip


def test_pathway_plan_queries_do_not_grow_with_needs_referrals_and_outcomes(sign_in, person, cas3):
    """Guards per-need referral lookups and per-pathway assessment lookups."""
    client = sign_in("probation")
    url = reverse("pathways:plan", args=[person.pk])
    add_needs_and_referrals(person, cas3, 2)
    small = queries(client, url)
    add_needs_and_referrals(person, cas3, 30)
    assert queries(client, url) == small


def test_inbox_queries_do_not_grow_with_referrals(sign_in, borough, cas3, nfa):
    """Guards per-row person, service, need and agency lookups in the inbox."""
    client = sign_in("housing")
    url = reverse("pathways:inbox")

    def refer(count: int, start: int) -> None:
        for k in range(start, start + count):
            person = offender_services.person_create(
                reference=f"Q{k:05d}", given_name="Q", family_name=f"P{k}",
                date_of_birth=timezone.localdate() - timedelta(days=9000),
                lead_agency=agency("probation"), by=None,
            )  # fmt: skip
            need = services.need_record(person=person, need_type=nfa, by=user("probation"))
            referral = services.referral_create(need=need, service=cas3, reason="r",
                                                by=user("probation"))  # fmt: skip
            services.referral_send(referral=referral, by=user("probation"), version=1)

    refer(2, 0)
    small = queries(client, url)
    refer(20, 2)
    assert queries(client, url) == small
    assert client.get(url).content.decode().count("CAS3 temporary accommodation") == 22


def test_directory_queries_do_not_grow_with_services(sign_in, borough, accommodation, nfa):
    """Guards per-service provider, agency and places-taken lookups."""
    client = sign_in("probation")
    url = reverse("pathways:services")

    def add(count: int, start: int) -> None:
        provider = Provider.objects.create(name=f"Provider {start}", agency=agency("housing"))
        for k in range(start, start + count):
            Service.objects.create(provider=provider, pathway=accommodation, name=f"S{k}",
                                   capacity=3).need_types.add(nfa)  # fmt: skip

    add(2, 0)
    small = queries(client, url)
    add(25, 100)
    assert queries(client, url) == small


def test_gap_analysis_is_a_fixed_number_of_queries(borough, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        selectors.gap_analysis()


def test_gap_analysis_on_a_known_dataset(borough, person, accommodation, nfa, cas3):
    """Two people, accommodation only:
    - person A (probation): NFA need referred to CAS3 (housing) and accepted;
      a rent-deposit need with no service in the directory.
    - person B (probation): NFA need not referred, although CAS3 (with
      another agency) covers it; and a tenancy-at-risk need already met.
    - a second referral from A is rejected; CAS3 capacity 2."""
    rent = NeedType.objects.get(pathway=accommodation, code="rent_deposit")
    tenancy = NeedType.objects.get(pathway=accommodation, code="tenancy_at_risk")
    probation = user("probation")
    other = offender_services.person_create(
        reference="P000002", given_name="Bea", family_name="Second",
        date_of_birth=person.date_of_birth, lead_agency=agency("probation"), by=None,
    )  # fmt: skip
    need_a = services.need_record(person=person, need_type=nfa, by=probation)
    first = services.referral_create(need=need_a, service=cas3, reason="r", by=probation)
    first = services.referral_send(referral=first, by=probation, version=1)
    services.referral_accept(referral=first, by=user("housing"), version=first.version)
    second = services.referral_create(need=need_a, service=cas3, reason="r", by=probation)
    second = services.referral_send(referral=second, by=probation, version=1)
    services.referral_reject(referral=second, reason="Full", by=user("housing"),
                             version=second.version)  # fmt: skip
    services.need_record(person=person, need_type=rent, by=probation)
    services.need_record(person=other, need_type=nfa, by=probation)
    services.need_record(person=other, need_type=tenancy, by=probation,
                         status=NeedStatus.MET)  # fmt: skip

    analysis = selectors.gap_analysis()
    row = next(r for r in analysis.rows if r.pathway.code == "accommodation")
    assert row.people_with_need == 2
    assert row.open_needs == 3
    assert row.needs_met == 1
    assert row.needs_referred == 1
    assert row.referrals_sent == 2
    assert row.referrals_accepted == 1
    assert row.referrals_rejected == 1
    assert row.referrals_overdue == 0
    assert row.cross_agency_referrals == 2
    assert row.unreferred_service_elsewhere == 1  # B's NFA: CAS3 sits with housing
    assert (row.services, row.capacity, row.places_taken, row.services_at_capacity) == (1, 2, 1, 0)
    assert [(m.need, m.open_needs) for m in analysis.missing] == [("Needs a rent deposit", 1)]
    assert row.people_with_good_outcome == 0
    services.outcome_record(person=other, kind="accommodation", value="nfa", by=probation,
                            recorded_on=timezone.localdate() - timedelta(days=9))  # fmt: skip
    services.outcome_record(person=person, kind="accommodation", value="settled", by=probation,
                            recorded_on=timezone.localdate())  # fmt: skip
    services.outcome_record(person=person, kind="ete", value="employed", by=probation,
                            recorded_on=timezone.localdate())  # fmt: skip
    rows = {r.pathway.code: r for r in selectors.gap_analysis().rows}
    assert rows["accommodation"].people_with_good_outcome == 1
    assert rows["ete"].people_with_good_outcome == 0  # employed, but no ETE need recorded
    assert rows["health"].people_with_good_outcome is None
    others = [r for r in analysis.rows if r.pathway.code != "accommodation"]
    assert all(r.open_needs == 0 and r.services == 0 for r in others)

    # Overdue once the 48-hour target passes for a sent referral.
    third = services.referral_create(need=need_a, service=cas3, reason="r", by=probation)
    services.referral_send(referral=third, by=probation, version=1)
    Referral.objects.filter(pk=third.pk).update(respond_by=timezone.now() - timedelta(hours=1))
    assert next(r for r in selectors.gap_analysis().rows
                if r.pathway.code == "accommodation").referrals_overdue == 1  # fmt: skip

    # Filtered to a cohort nobody is in: no needs.
    empty = selectors.gap_analysis(cohort=Cohort.SGV)
    assert sum(r.open_needs for r in empty.rows) == 0
    offender_services.cohort_adopt(person=other, cohort=Cohort.SGV, by=probation, reason="x",
                                   start_date=timezone.localdate())  # fmt: skip
    sgv = next(r for r in selectors.gap_analysis(cohort=Cohort.SGV).rows
               if r.pathway.code == "accommodation")  # fmt: skip
    assert (sgv.people_with_need, sgv.open_needs, sgv.needs_met) == (1, 1, 1)


def test_gap_page_shows_the_chart_and_table_to_an_analyst(sign_in, need, cas3):
    html = sign_in("analyst").get(reverse("pathways:gaps")).content.decode()
    assert "<svg" in html
    assert 'role="img"' in html
    assert "Needs with no service in the directory" in html
    assert "Dale" not in html  # aggregates only


def test_needs_unmet_for_the_panels_agenda(person, nfa, cas3, accommodation):
    """A need being worked on (a referral sent, not yet completed) is still
    unmet; a declined need, or one on a pathway switched off, is not."""
    probation = user("probation")
    today = timezone.localdate()
    need = services.need_record(person=person, need_type=nfa, by=probation,
                                identified_on=today - timedelta(days=40))  # fmt: skip
    referral = services.referral_create(need=need, service=cas3, reason="r", by=probation)
    services.referral_send(referral=referral, by=probation, version=1)
    assert list(selectors.people_with_needs_unmet_for(days=28, on=today)) == [person.pk]
    assert list(selectors.people_with_needs_unmet_for(days=41, on=today)) == []

    need.refresh_from_db()
    services.need_update(need=need, version=need.version, by=probation, status="declined",
                         responsible_agency=None, responsibility="community")  # fmt: skip
    assert list(selectors.people_with_needs_unmet_for(days=28, on=today)) == []
    tenancy = NeedType.objects.get(pathway=accommodation, code="tenancy_at_risk")
    services.need_record(person=person, need_type=tenancy, by=probation,
                         identified_on=today - timedelta(days=40))  # fmt: skip
    assert list(selectors.people_with_needs_unmet_for(days=28, on=today)) == [person.pk]
    accommodation.is_active = False
    accommodation.save()
    assert list(selectors.people_with_needs_unmet_for(days=28, on=today)) == []
