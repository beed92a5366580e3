"""The agenda rules, each against a meeting date, and what adding someone
to an agenda grants."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from offenders import services as offender_services
from offenders.models import Disposal, DisposalType, Enforcement, Involvement, InvolvementReason
from offenders.selectors import person_list_for
from panels import services
from panels.agenda import agenda_candidates
from panels.models import AgendaItem, AgendaRule, PanelAction, PanelReferral
from panels.selectors import meeting_agenda
from tests.panels.conftest import agency, in_iom, make_person, meeting_on, user

pytestmark = pytest.mark.django_db

DAY = date(2026, 3, 10)


def red(person):
    offender_services.brag_change(
        person=person, status="red", reason="Reoffending", version=person.version,
        by=user("probation"),
    )  # fmt: skip


def test_red_brag_in_the_panels_cohort_is_on_the_agenda(iom):
    on_iom, not_on_iom, restricted = make_person(), make_person(), make_person()
    for person in (on_iom, not_on_iom, restricted):
        red(person)
    in_iom(on_iom)
    in_iom(restricted)
    restricted.refresh_from_db()
    offender_services.person_restrict(
        person=restricted, named_users=[user("probation")], by=user("probation"),
        justification="Staff relative",
    )  # fmt: skip
    found = agenda_candidates(meeting_on(iom, DAY))
    assert found == {on_iom.pk: ["red_brag"]}


def test_people_no_member_agency_can_see_are_never_found(iom):
    hidden = make_person(lead="housing")
    red(hidden)
    in_iom(hidden)
    # cohort_adopt granted police and probation; take those away again
    Involvement.objects.filter(person=hidden).exclude(agency__code="housing").delete()
    from offenders.models import PersonGroupObjectPermission

    PersonGroupObjectPermission.objects.filter(content_object=hidden).exclude(
        group__agency__code="housing"
    ).delete()
    assert agenda_candidates(meeting_on(iom, DAY)) == {}


def test_release_or_order_start_within_the_threshold(iom):
    soon, later, starting = make_person(), make_person(), make_person()
    for person in (soon, later, starting):
        in_iom(person)
    Disposal.objects.create(
        person=soon,
        reference="D1",
        type=DisposalType.CUSTODY,
        start_date=date(2025, 1, 1),
        release_date=DAY + timedelta(days=27),
    )
    Disposal.objects.create(
        person=later,
        reference="D2",
        type=DisposalType.CUSTODY,
        start_date=date(2025, 1, 1),
        release_date=DAY + timedelta(days=40),
    )
    Disposal.objects.create(person=starting, reference="D3", type=DisposalType.COMMUNITY_ORDER,
                            start_date=DAY + timedelta(days=3))  # fmt: skip
    meeting = meeting_on(iom, DAY)
    assert set(agenda_candidates(meeting)) == {soon.pk, starting.pk}
    services.agenda_rule_update(
        panel_type=iom, kind="release_or_start", enabled=True, threshold_days=60, by=user("chair")
    )
    assert set(agenda_candidates(meeting)) == {soon.pk, later.pk, starting.pk}


def test_breaches_and_recalls_since_the_last_meeting(iom):
    meeting_on(iom, DAY - timedelta(days=28), status="concluded")
    recent, old = make_person(), make_person()
    in_iom(recent)
    in_iom(old)
    probation = agency("probation")
    Enforcement.objects.create(
        person=recent,
        kind="breach",
        agency=probation,
        occurred_at=datetime(2026, 3, 1, 12, tzinfo=UTC),
    )
    Enforcement.objects.create(
        person=old,
        kind="recall",
        agency=probation,
        occurred_at=datetime(2026, 2, 1, 12, tzinfo=UTC),
    )
    Enforcement.objects.create(person=old, kind="warning_letter", agency=probation,
                               occurred_at=datetime(2026, 3, 2, 12, tzinfo=UTC))  # fmt: skip
    assert agenda_candidates(meeting_on(iom, DAY)) == {recent.pk: ["breaches_recalls"]}


def test_referrals_awaiting_a_decision_and_overdue_actions(iom):
    referred, with_action = make_person(), make_person()
    in_iom(with_action)
    offender_services.involvement_start(
        person=referred, agency=agency("police"), reason=InvolvementReason.SHARE, by=None
    )
    services.referral_create(
        panel_type=iom, person=referred, cohort="iom", reason="Prolific", by=user("police")
    )
    earlier = running(meeting_on(iom, DAY - timedelta(days=28)))
    item = AgendaItem.objects.create(meeting=earlier, person=with_action, reasons=["added"])
    services.action_create(meeting=earlier, item=item, description="Home visit",
                           owner_agency=agency("police"), due_date=DAY - timedelta(days=1),
                           by=user("chair"))  # fmt: skip
    found = agenda_candidates(meeting_on(iom, DAY))
    assert found == {referred.pk: ["referrals"], with_action.pk: ["overdue_actions"]}


def running(meeting):
    return services.meeting_start(meeting=meeting, by=user("chair"))


def test_a_rule_switched_off_finds_nobody(iom):
    person = make_person()
    in_iom(person)
    red(person)
    services.agenda_rule_update(
        panel_type=iom, kind="red_brag", enabled=False, threshold_days=None, by=user("chair")
    )
    assert agenda_candidates(meeting_on(iom, DAY)) == {}
    assert AgendaRule.objects.get(panel_type=iom, kind="red_brag").enabled is False


def needing(person, code: str, *, identified_on: date):
    from pathways import services as pathway_services
    from pathways.models import NeedType

    return pathway_services.need_record(
        person=person, need_type=NeedType.objects.get(code=code, is_other=False),
        identified_on=identified_on, by=user("probation"),
    )  # fmt: skip


def completed_referral(need) -> None:
    from pathways import services as pathway_services
    from pathways.models import Provider, Service

    service = Service.objects.create(
        provider=Provider.objects.create(name="Northbridge Homes", agency=agency("housing")),
        pathway=need.pathway, name="CAS3 temporary accommodation",
    )  # fmt: skip
    referral = pathway_services.referral_create(
        need=need, service=service, reason="Nowhere to go", by=user("probation")
    )
    referral = pathway_services.referral_send(referral=referral, by=user("probation"), version=1)
    for step in ("accept", "start", "complete"):
        referral = pathway_services.referral_transition(
            referral=referral, action=step, by=user("housing"), version=referral.version,
            text="Moved into CAS3",
        )  # fmt: skip


def test_long_unmet_needs_put_people_on_the_agenda_and_met_needs_do_not(iom):
    from pathways import services as pathway_services

    long_unmet, recent, met, served, not_iom = (make_person() for _ in range(5))
    for person in (long_unmet, recent, met, served):
        in_iom(person)
    needing(long_unmet, "nfa", identified_on=DAY - timedelta(days=28))
    needing(recent, "nfa", identified_on=DAY - timedelta(days=27))
    old_need = needing(met, "nfa", identified_on=DAY - timedelta(days=90))
    pathway_services.need_update(
        need=old_need, version=old_need.version, by=user("probation"), status="met",
        responsible_agency=None, responsibility="community",
    )  # fmt: skip
    completed_referral(needing(served, "nfa", identified_on=DAY - timedelta(days=90)))
    needing(not_iom, "nfa", identified_on=DAY - timedelta(days=90))
    meeting = meeting_on(iom, DAY)

    assert services.agenda_build(meeting=meeting, by=user("chair")) == 1
    item = AgendaItem.objects.get(meeting=meeting)
    assert (item.person_id, item.reasons) == (long_unmet.pk, ["unmet_needs"])

    # The chair lowers the threshold: the need recorded 27 days ago now counts too.
    services.agenda_rule_update(
        panel_type=iom, kind="unmet_needs", enabled=True, threshold_days=14, by=user("chair")
    )
    assert services.agenda_build(meeting=meeting, by=user("chair")) == 1
    assert set(AgendaItem.objects.filter(meeting=meeting).values_list("person_id", flat=True)) == {
        long_unmet.pk,
        recent.pk,
    }


def test_mappa_reviews_level_2_every_16_weeks(mappa2):
    never, recent, stale = make_person(), make_person(), make_person()
    for person in (never, recent, stale):
        offender_services.cohort_adopt(
            person=person, cohort="mappa", start_date=date(2025, 1, 1), reason="Cat 2",
            mappa_category=2, mappa_level=2, by=user("probation"),
        )  # fmt: skip
    four_weeks_ago = meeting_on(mappa2, date(2026, 2, 5), status="concluded")
    twenty_weeks_ago = meeting_on(mappa2, date(2025, 10, 2), status="concluded")
    AgendaItem.objects.create(meeting=four_weeks_ago, person=recent)
    AgendaItem.objects.create(meeting=twenty_weeks_ago, person=stale)
    found = agenda_candidates(meeting_on(mappa2, date(2026, 3, 5)))
    assert found == {never.pk: ["mappa_review"], stale.pk: ["mappa_review"]}


def test_building_the_agenda_grants_permitted_member_agencies_and_is_idempotent(iom, mappa2):
    person = make_person()
    in_iom(person)
    red(person)
    council_chair = user("chair")
    assert not person_list_for(council_chair).filter(pk=person.pk).exists()
    meeting = meeting_on(iom, DAY)
    assert services.agenda_build(meeting=meeting, by=council_chair) == 1
    assert person_list_for(council_chair).filter(pk=person.pk).exists()
    involvement = Involvement.objects.get(person=person, agency=agency("council"))
    assert (involvement.reason, involvement.source) == ("panel", f"panel:{iom.pk}")
    assert services.agenda_build(meeting=meeting, by=council_chair) == 0
    assert AgendaItem.objects.filter(meeting=meeting).count() == 1


def test_building_a_longer_agenda_costs_no_more_queries(iom):
    """Granting member agencies access is one bulk step, not a query per
    person and agency (a 12-person agenda for 7 agencies took ~1,000)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def build(people: int, day: date) -> int:
        for _ in range(people):
            person = make_person()
            in_iom(person)
            red(person)
        meeting = meeting_on(iom, day)
        with CaptureQueriesContext(connection) as queries:
            added = services.agenda_build(meeting=meeting, by=user("chair"))
        assert added == AgendaItem.objects.filter(meeting=meeting).count() >= people
        Involvement.objects.filter(reason="panel").delete()  # each build grants afresh
        return len(queries)

    small = build(2, DAY)
    assert build(10, DAY + timedelta(days=28)) <= small


def test_mappa_panel_grants_only_agencies_allowed_mappa_information(mappa2):
    person = make_person()
    offender_services.cohort_adopt(
        person=person, cohort="mappa", start_date=date(2025, 1, 1), reason="Cat 2",
        mappa_category=2, mappa_level=2, by=user("probation"),
    )  # fmt: skip
    meeting = meeting_on(mappa2, date(2026, 3, 5))
    services.agenda_build(meeting=meeting, by=user("probation"))
    granted = set(
        Involvement.objects.filter(person=person, reason="panel").values_list(
            "agency__code", flat=True
        )
    )
    assert granted == {"police", "probation", "prison"}  # council sits on it but may not see MAPPA


def test_overlap_is_flagged_with_the_lead_panel(iom, mappa2):
    person = make_person()
    in_iom(person)
    red(person)
    offender_services.cohort_adopt(
        person=person, cohort="mappa", start_date=date(2025, 1, 1), reason="Cat 2",
        mappa_category=2, mappa_level=2, by=user("probation"),
    )  # fmt: skip
    iom_meeting = meeting_on(iom, DAY)
    services.agenda_build(meeting=iom_meeting, by=user("chair"))
    services.agenda_build(meeting=meeting_on(mappa2, date(2026, 3, 5)), by=user("probation"))
    # Police may see MAPPA papers: the overlap and MAPPA's lead are shown.
    rows = meeting_agenda(user("police"), iom_meeting)["rows"]
    assert rows[0].overlaps == ["MAPPA level 2"]
    assert rows[0].lead == "MAPPA level 2"
    # The council chair may not see MAPPA information: no hint of the MAPPA panel.
    rows = meeting_agenda(user("chair"), iom_meeting)["rows"]
    assert rows[0].overlaps == []


def test_referral_needs_a_member_agency(iom):
    person = make_person(lead="housing")
    with pytest.raises(ValueError, match="member agency"):
        services.referral_create(
            panel_type=iom, person=person, cohort="iom", reason="x", by=user("housing")
        )
    assert not PanelReferral.objects.exists()
    assert not PanelAction.objects.exists()


def test_mappa_review_interval_defaults_by_level(mappa2):
    from panels.agenda import agenda_rules

    def days():
        return next(r for r in agenda_rules(mappa2) if r.kind == "mappa_review").threshold_days

    assert days() == 16 * 7
    mappa2.mappa_level = 3
    assert days() == 8 * 7


def test_update_requests_go_out_once_the_window_opens(iom):
    person = make_person()
    in_iom(person)
    red(person)
    meeting = meeting_on(iom, DAY)
    iom.update_request_days = 7
    iom.save()
    assert services.update_requests_due(today=DAY - timedelta(days=8)) == 0
    assert services.update_requests_due(today=DAY - timedelta(days=7)) == 1
    asked = set(meeting.items.get().update_requests.values_list("agency__code", flat=True))
    # police and probation are involved through the cohort, council through the panel
    assert asked == {"police", "probation", "council"}
    assert services.update_requests_due(today=DAY - timedelta(days=6)) == 0
