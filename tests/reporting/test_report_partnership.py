"""Panel activity and pathway needs in the quarterly report."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from panels.models import Attendance, PanelAction, PanelMeeting, PanelType
from pathways.models import Need, Pathway, Provider, Referral, Service
from reporting.kpis import Period
from reporting.kpis.partnership import panel_activity, pathway_needs

from .factories import AgencyFactory, GroupFactory, PersonFactory, d, membership

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
Q2 = Period(start=date(2023, 4, 1), end=date(2023, 6, 30), as_of=date(2025, 1, 1))


def agency(code):
    return AgencyFactory(code=code, name=code, group=GroupFactory(name=f"agency:{code}"))


def test_panel_meetings_quorum_and_actions():
    panel = PanelType.objects.create(
        code="iom-main", name="IOM main panel", cadence_starts_on=d("2023-01-10"),
        start_time=time(10), quorum=2,
    )  # fmt: skip
    members = [agency("a1"), agency("a2"), agency("a3")]

    def meeting(on, status, present):
        m = PanelMeeting.objects.create(
            panel_type=panel, date=d(on), start_time=time(10), status=status
        )
        for index, member in enumerate(members):
            Attendance.objects.create(
                meeting=m, agency=member, status="present" if index < present else "apologies"
            )
        return m

    held = meeting("2023-04-11", "concluded", 2)  # quorate
    meeting("2023-05-09", "concluded", 1)  # not quorate
    meeting("2023-06-13", "cancelled", 0)
    meeting("2023-07-11", "concluded", 3)  # after the period

    def action(due, status, closed=None):
        PanelAction.objects.create(
            meeting=held, description="x", owner_agency=members[0], due_date=d(due),
            status=status,
            closed_at=datetime.combine(d(closed), time(23, 30), tzinfo=LONDON) if closed else None,
        )  # fmt: skip

    action("2023-05-01", "done", "2023-05-01")  # on the due day (late evening): on time
    action("2023-05-01", "done", "2023-05-02")  # a day late
    action("2023-06-30", "not_possible", "2023-06-01")
    action("2023-06-30", "open")
    action("2023-07-01", "open")  # due after the period
    rows = {r["panel"]: r for r in panel_activity(Q2)}
    assert rows["IOM main panel"] == {
        "panel": "IOM main panel",
        "held": 2,
        "quorate": 1,
        "cancelled": 1,
        "due": 4,
        "on_time": 1,
        "late": 1,
        "not_done": 1,
        "open": 1,
    }


def test_pathway_needs_and_referrals_for_the_cohort():
    pathway = Pathway.objects.order_by("position").first()
    need_type = pathway.need_types.first()
    service = Service.objects.create(
        provider=Provider.objects.create(name="Test provider"), pathway=pathway, name="Beds"
    )
    sender = agency("sender")
    member = PersonFactory()
    membership(member, "iom", "2023-01-01")
    outsider = PersonFactory()

    def need(person, on, status):
        return Need.objects.create(
            person=person, pathway=pathway, need_type=need_type, status=status,
            identified_on=d(on),
        )  # fmt: skip

    met = need(member, "2023-04-05", "met")
    need(member, "2023-05-05", "in_progress")
    need(member, "2023-03-31", "not_started")  # before the period
    need(outsider, "2023-05-05", "not_started")  # not in the cohort
    for state, sent, closed in [
        ("completed", "2023-04-10", "2023-06-01"),
        ("rejected", "2023-04-12", "2023-04-13"),
        ("sent", "2023-06-30", None),
        ("completed", "2023-03-01", "2023-03-20"),  # all before the period
    ]:
        Referral.objects.create(
            person=member, need=met, service=service, from_agency=sender, state=state,
            reason="r", rejection_reason="full" if state == "rejected" else "",
            sent_at=datetime.combine(d(sent), time(12), tzinfo=LONDON),
            closed_at=datetime.combine(d(closed), time(12), tzinfo=LONDON) if closed else None,
        )  # fmt: skip
    rows = {r["pathway"]: r for r in pathway_needs(Q2, "iom")}
    assert rows[pathway.name] == {
        "pathway": pathway.name,
        "identified": 2,
        "met": 1,
        "open": 1,
        "declined": 0,
        "sent": 3,
        "completed": 1,
        "rejected": 1,
    }
