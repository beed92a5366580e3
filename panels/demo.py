"""The demo borough's panels: eight panel types, six months of past meetings
with attendance, decisions and actions in every state, the next three
months scheduled, and the next IOM main panel with its agenda built and
updates requested, ready for the demo chair to run.

Deterministic and anchored on the day it runs. Everything is written through
panels.services (and offenders.services underneath), so the demo's audit trail
and grants are what real use would leave; only the timestamps of past
decisions and meetings are then moved back to the meeting dates.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from offenders.models import Brag, CohortMembership, Person
from rrcase.access.models import Agency
from rrcase.dates import add_months

from . import selectors, services
from .models import (
    AgendaItem,
    AgendaRule,
    DecisionOutcome,
    MeetingStatus,
    PanelAction,
    PanelDecision,
    PanelMeeting,
    PanelReferral,
    PanelType,
)

SEED = 20261124
ITEMS_PER_PAST_MEETING = 5

# code, name, weekday, week of month, start, place, online, members, chair, quorum,
# cohorts, mappa level, confidentiality, lead priority
PANELS = [
    ("iom-main", "IOM main panel", 1, 2, time(10), "Northbridge Civic Centre, Room 4", "",
     ["police", "probation", "council", "drugs", "housing", "dwp", "vcs"], "chair", 4,
     ["iom", "ppo"], None, "standard", 20,
     "Monthly multi-agency review of the IOM cohort: selection, BRAG, enforcement and support."),
    ("iom-mid", "IOM mid-month panel", 1, 4, time(10), "", "https://meet.northbridge.example/iom-mid",
     ["police", "probation", "council", "drugs"], "chair", 3, ["iom"], None, "standard", 25,
     "Mid-month check on Red and newly released IOM nominals."),
    ("mappa-2", "MAPPA level 2 meeting", 3, 1, time(14), "Probation office, Northbridge", "",
     ["police", "probation", "prison", "council", "housing", "health"], "probation", 3,
     ["mappa"], 2, "mappa", 2, "Level 2 multi-agency public protection meetings."),
    ("mappa-3", "MAPPA level 3 meeting", 3, 3, time(14), "Probation office, Northbridge", "",
     ["police", "probation", "prison", "council", "housing", "health"], "probation", 3,
     ["mappa"], 3, "mappa", 1, "Level 3 meetings: senior representation required."),
    ("sgv", "Serious Group Violence panel", 2, 1, time(13, 30), "Northbridge Civic Centre, Room 2", "",
     ["police", "council", "yos", "probation", "vcs"], "chair", 3, ["sgv"], None, "standard", 30,
     "Gang-involved and group violence nominals, including the young people the YJS works with."),
    ("dip", "DIP panel", 2, 2, time(10), "", "https://meet.northbridge.example/dip",
     ["drugs", "probation", "police", "health"], "chair", 3, ["dip"], None, "standard", 40,
     "Drug Interventions Programme: treatment engagement and testing on arrest."),
    ("asb-marac", "ASB and Community MARAC", 2, 3, time(10), "Northbridge Civic Centre, Room 4", "",
     ["council", "housing", "police", "health", "vcs"], "chair", 3, ["asb"], None, "standard", 45,
     "Anti-social behaviour and vulnerable victims: risk, housing and enforcement options."),
    ("resettlement", "Resettlement panel", 4, -1, time(11), "HMP Northbridge, Visits Hall", "",
     ["prison", "probation", "housing", "dwp", "vcs", "council"], "chair", 3, [], None,
     "standard", 60, "Planning accommodation, benefits and work before release."),
]  # fmt: skip

# Rules a resettlement panel does not use: it looks only at releases.
RESETTLEMENT_OFF = ["red_brag", "breaches_recalls", "overdue_actions", "mappa_review"]

ACTIONS = [
    "Joint home visit within five days",
    "Refer to housing options and confirm an address before release",
    "Drug service to offer an assessment within 48 hours",
    "Check benefit claim is in place and book a work coach appointment",
    "Share latest intelligence picture with the offender manager",
    "Arrange a three-way meeting with the family",
]
DISCUSSIONS = [
    "Engaging with appointments; positive drug tests reducing. Partners agree to keep support in place.",
    "Missed two appointments this month and linked to a shoplifting spree in the town centre.",
    "Housing is the main barrier: currently sofa surfing. Housing to prioritise.",
    "Recently released; licence conditions understood. Joint visit completed.",
    "Police report associations with a known group; SGV lead to be informed.",
]


def _user(username: str) -> User | None:
    return get_user_model().objects.filter(username=username).first()


def seed(today: date | None = None) -> None:
    if PanelType.objects.filter(code="iom-main").exists():
        return
    if not Person.objects.filter(reference__startswith="N").exists():
        return  # the people demo has not run
    today = today or timezone.localdate()
    with transaction.atomic():
        _seed(today, random.Random(SEED))
        # Six months of agendas gave member agencies access to people who have
        # since left the panels' remit; the daily review (panels.tasks) would
        # have ended it, so the demo runs it too: every grant has a live
        # reason (rrcase.access.live_reasons, manage.py access_check).
        services.panel_access_review(today=today)


def _panel_types(today: date) -> list[PanelType]:
    agencies = {a.code: a for a in Agency.objects.all()}
    created = []
    for (code, name, weekday, week, start, place, online, members, chair, quorum, cohorts,
         level, confidentiality, priority, description) in PANELS:  # fmt: skip
        panel = PanelType.objects.create(
            code=code,
            name=name,
            description=description,
            weekday=weekday,
            week_of_month=week,
            cadence_starts_on=add_months(today, -12),
            start_time=start,
            location=place,
            online_link=online,
            quorum=quorum,
            cohorts=cohorts,
            mappa_level=level,
            confidentiality=confidentiality,
            lead_priority=priority,
        )
        panel.member_agencies.set([agencies[c] for c in members])
        chair_user = _user(chair)
        if chair_user is not None:
            panel.chairs.set([chair_user])
        if code == "resettlement":
            for kind in RESETTLEMENT_OFF:
                AgendaRule.objects.create(panel_type=panel, kind=kind, enabled=False)
        created.append(panel)
    return created


def _owners() -> dict[int, User | None]:
    """The demo user who owns an agency's actions, by agency id."""
    by_agency: dict[int, User | None] = {}
    for username in ("police", "probation", "housing", "chair"):
        user = _user(username)
        if user is not None and hasattr(user, "membership"):
            by_agency.setdefault(user.membership.agency_id, user)
    return by_agency


def _seed(today: date, rng: random.Random) -> None:
    owners = _owners()
    for panel in _panel_types(today):
        chair = panel.chairs.first()
        if chair is None:
            continue
        services.meetings_generate(panel_type=panel, start=add_months(today, -6), months=9)
        past = list(PanelMeeting.objects.filter(panel_type=panel, date__lt=today).order_by("date"))
        for n, meeting in enumerate(past):
            _run_past_meeting(meeting, chair, owners, rng, latest=n == len(past) - 1, today=today)
    _prepare_next_iom(today)


def _aware(day: date, at: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, at))


def _run_past_meeting(
    meeting: PanelMeeting,
    chair: User,
    owners: dict[int, User | None],
    rng: random.Random,
    *,
    latest: bool,
    today: date,
) -> None:
    panel = meeting.panel_type
    services.agenda_build(meeting=meeting, by=chair, limit=ITEMS_PER_PAST_MEETING)
    members = list(panel.member_agencies.order_by("name"))
    apologies = [(k + meeting.date.month) % 5 == 0 for k in range(len(members))]
    services.attendance_record_many(
        meeting=meeting,
        entries=[
            services.AttendanceEntry(
                agency=agency,
                status="apologies" if away else "present",
                representative="" if away else f"{agency.name} representative",
                declarations="Knows a family member of one nominal" if k == 1 and latest else "",
            )
            for k, (agency, away) in enumerate(zip(members, apologies, strict=True))
        ],
        by=chair,
    )
    services.meeting_start(meeting=meeting, by=chair)
    permitted = services.permitted_agencies(panel)
    items = list(AgendaItem.objects.filter(meeting=meeting).select_related("person"))
    # What the police said at the table is recorded as police intelligence
    # (docs/panels.md "Classes of information in panel text"), where the
    # panel has an agency that may read it back.
    intelligence = "police_intelligence" in selectors.panel_text_classes(panel)
    for i, item in enumerate(items):
        item.discussion = DISCUSSIONS[(i + meeting.date.month) % len(DISCUSSIONS)]
        if intelligence and item.discussion.startswith("Police report"):
            item.discussion_sensitivity = "police_intelligence"
    AgendaItem.objects.bulk_update(items, ["discussion", "discussion_sensitivity"])
    for i, item in enumerate(items):
        person = item.person
        outcome, brag = DecisionOutcome.RETAIN, ""
        if latest and i == 0 and person.brag != Brag.RED:
            outcome, brag = DecisionOutcome.STEP_UP, Brag.RED
        elif latest and i == 1 and person.brag == Brag.RED:
            outcome, brag = DecisionOutcome.STEP_DOWN, Brag.AMBER
        elif (
            latest
            and i == 2
            and CohortMembership.objects.filter(
                person=person, cohort__in=panel.cohorts, end_date__isnull=True
            ).exists()
        ):
            outcome = DecisionOutcome.DESELECT
        elif i % 3 == 2:
            outcome = DecisionOutcome.NO_CHANGE
        brag_reason = "Panel review: " + ("further offending" if brag == Brag.RED else "engaging")
        if "iom" not in panel.cohorts:
            brag = ""
        services.decision_record(
            item=item,
            outcome=outcome,
            rationale="Agreed by the panel" if outcome != DecisionOutcome.DESELECT
            else "Completed order and engaging well; no longer meets the criteria",
            brag=brag,
            brag_reason=brag_reason,
            # Only a BRAG change checks the version (read fresh: an earlier
            # panel may have changed the person since the agenda was loaded).
            person_version=Person.objects.get(pk=person.pk).version if brag else None,
            by=chair,
        )  # fmt: skip
        owner_agency = permitted[(i + meeting.date.month) % len(permitted)]
        action = services.action_create(
            meeting=meeting,
            item=item,
            description=ACTIONS[(i + meeting.date.day) % len(ACTIONS)],
            owner_agency=owner_agency,
            owner_user=owners.get(owner_agency.pk),
            due_date=meeting.date + timedelta(days=14 + 7 * (i % 3)),
            by=chair,
        )
        _close_action(action, chair, rng, latest=latest, today=today)
    services.meeting_conclude(meeting=meeting, by=chair)
    at = _aware(meeting.date, meeting.start_time)
    PanelMeeting.objects.filter(pk=meeting.pk).update(
        started_at=at, concluded_at=at + timedelta(hours=2)
    )
    PanelDecision.objects.filter(item__meeting=meeting).update(decided_at=at + timedelta(hours=1))


def _close_action(
    action: PanelAction, chair: User, rng: random.Random, *, latest: bool, today: date
) -> None:
    """Older actions are mostly closed in each of the three ways; the latest
    meeting's stay open, some overdue."""
    if latest and rng.random() < 0.8:
        return
    roll = rng.random()
    if roll < 0.6:
        services.action_done(action=action, version=action.version, by=chair)
    elif roll < 0.75:
        services.action_not_possible(
            action=action, note="Moved out of the borough", version=action.version, by=chair
        )
    elif roll < 0.9:
        services.action_not_done(
            action=action, note="Not completed before the next panel", version=action.version,
            by=chair,
        )  # fmt: skip
    else:
        return  # left open: carried over (and overdue)
    closed = min(action.due_date, today)
    PanelAction.objects.filter(pk=action.pk).update(closed_at=_aware(closed, time(12)))


def _prepare_next_iom(today: date) -> None:
    """The next IOM main panel: a referral waiting, agenda built, updates asked."""
    panel = PanelType.objects.get(code="iom-main")
    meeting = (
        PanelMeeting.objects.filter(
            panel_type=panel, date__gte=today, status=MeetingStatus.SCHEDULED
        )
        .order_by("date")
        .first()
    )
    chair, referrer = _user("chair"), _user("probation")
    if meeting is None or chair is None or referrer is None:
        return
    candidate = (
        Person.objects.filter(lead_agency__code="probation", restricted=False)
        .exclude(cohort_memberships__cohort="iom", cohort_memberships__end_date__isnull=True)
        .order_by("reference")
        .first()
    )
    if candidate is not None and not PanelReferral.objects.filter(person=candidate).exists():
        services.referral_create(
            panel_type=panel,
            person=candidate,
            cohort="iom",
            reason="Six proven offences in the last 12 months; scores high on the selection matrix",
            by=referrer,
        )
    services.agenda_build(meeting=meeting, by=chair, limit=12)
    services.update_requests_send(meeting=meeting, by=chair)
