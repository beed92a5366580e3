"""Every write about panels. One function per use case: keyword-only, atomic,
validated, audited in the same transaction.

The meeting and action state machines are here, in one place
(MEETING_TRANSITIONS, ACTION_TRANSITIONS); each transition is a service and an
illegal one raises IllegalTransition with a message fit to show the user.
Decisions change the person record only through offenders.services, inside
the decision's own transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from offenders import services as offender_services
from offenders.models import (
    Brag,
    Cohort,
    CohortMembership,
    Involvement,
    InvolvementReason,
    Person,
    Sensitivity,
)
from offenders.services import StaleEdit
from rrcase.access.models import Agency
from rrcase.access.selectors import agencies_seeing, agency_of, visible_sensitivities
from rrcase.audit.models import Action
from rrcase.audit.services import audit_event, audit_record, audit_record_many
from rrcase.core.text import NOTE, REASON, check_length
from rrcase.dates import add_months

from .agenda import (
    ADDED_BY_CHAIR,
    REMIT_DAYS,
    RULE_ORDER,
    agenda_candidates,
    panel_access_needed,
)
from .cadence import meeting_dates
from .models import (
    ActionStatus,
    AgendaItem,
    AgendaRule,
    Attendance,
    AttendanceStatus,
    DecisionOutcome,
    MeetingStatus,
    PanelAction,
    PanelDecision,
    PanelMeeting,
    PanelReferral,
    PanelType,
    ReferralStatus,
    RuleKind,
    UpdateRequest,
)
from .selectors import CLASS_NOUNS, panel_text_classes

__all__ = ["IllegalTransition", "StaleEdit"]


class IllegalTransition(ValueError):
    """A state change the meeting or action state machine does not allow."""


# ---------------------------------------------------------------- state machines

MEETING_TRANSITIONS: dict[str, set[str]] = {
    MeetingStatus.SCHEDULED: {MeetingStatus.IN_PROGRESS, MeetingStatus.CANCELLED},
    MeetingStatus.IN_PROGRESS: {MeetingStatus.CONCLUDED},
    MeetingStatus.CONCLUDED: set(),
    MeetingStatus.CANCELLED: set(),
}

ACTION_TRANSITIONS: dict[str, set[str]] = {
    ActionStatus.OPEN: {ActionStatus.DONE, ActionStatus.NOT_POSSIBLE, ActionStatus.NOT_DONE},
    ActionStatus.DONE: set(),
    ActionStatus.NOT_POSSIBLE: set(),
    ActionStatus.NOT_DONE: set(),
}


def _check_transition(
    machine: dict[str, set[str]], what: str, current: str, target: str, labels: dict[str, str]
) -> None:
    if target not in machine.get(current, set()):
        raise IllegalTransition(
            f"This {what} is {labels[current].lower()}: it cannot be changed to "
            f"{labels[target].lower()}."
        )


def _require_meeting_status(meeting: PanelMeeting, *allowed: str, doing: str) -> None:
    if meeting.status not in allowed:
        wanted = " or ".join(MeetingStatus(s).label.lower() for s in allowed)
        raise IllegalTransition(
            f"You can only {doing} while the meeting is {wanted}; "
            f"this one is {meeting.get_status_display().lower()}."
        )


def _lock_meeting(meeting: PanelMeeting) -> PanelMeeting:
    return PanelMeeting.objects.select_for_update().select_related("panel_type").get(pk=meeting.pk)


# ---------------------------------------------------------------- panel types


def permitted_agencies(panel_type: PanelType) -> list[Agency]:
    """Member agencies the sharing agreement allows this panel's class of
    information: only they are granted access to people on its agenda, and
    only they may own its actions."""
    members = panel_type.member_agencies.filter(is_active=True)
    return list(agencies_seeing(members, panel_type.confidentiality))


@transaction.atomic
def agenda_rule_update(
    *, panel_type: PanelType, kind: str, enabled: bool, threshold_days: int | None, by: User
) -> AgendaRule:
    """The chair switches an agenda rule on or off or changes its threshold."""
    if kind not in RuleKind.values:
        raise ValueError(f"{kind!r} is not an agenda rule.")
    rule, _ = AgendaRule.objects.select_for_update().get_or_create(panel_type=panel_type, kind=kind)
    before = {"enabled": rule.enabled, "threshold_days": rule.threshold_days}
    rule.enabled = enabled
    rule.threshold_days = threshold_days
    rule.version += 1
    rule.save()
    audit_record(
        action=Action.ALTER,
        actor=by,
        obj=rule,
        details={
            "panel_type": panel_type.code,
            "before": before,
            "after": {"enabled": enabled, "threshold_days": threshold_days},
        },
    )
    return rule


# ---------------------------------------------------------------- meetings


@transaction.atomic
def meetings_generate(
    *, panel_type: PanelType, start: date, months: int = 3, by: User | None = None
) -> list[PanelMeeting]:
    """Create the meetings the cadence gives from `start` for `months` months.
    Idempotent: a date that already has a meeting (even a cancelled one) is skipped."""
    dates = meeting_dates(panel_type, start, add_months(start, months))
    existing = set(
        PanelMeeting.objects.filter(panel_type=panel_type, date__in=dates).values_list(
            "date", flat=True
        )
    )
    new = [
        PanelMeeting(
            panel_type=panel_type,
            date=day,
            start_time=panel_type.start_time,
            location=panel_type.location,
            online_link=panel_type.online_link,
        )
        for day in dates
        if day not in existing
    ]
    created = PanelMeeting.objects.bulk_create(new, ignore_conflicts=True)
    if created:
        audit_record(
            action=Action.COLLECT,
            actor=by,
            obj=panel_type,
            details={"meetings_generated": [str(m.date) for m in created]},
        )
    return created


@transaction.atomic
def meeting_update(
    *,
    meeting: PanelMeeting,
    start_time: time,
    location: str,
    online_link: str,
    version: int | None,
    by: User,
) -> PanelMeeting:
    """Change a meeting's time, place or online link."""
    locked = _lock_meeting(meeting)
    if version is None or locked.version != version:
        raise StaleEdit("Someone else changed this meeting while you were editing it.")
    _require_meeting_status(locked, MeetingStatus.SCHEDULED, doing="change the time or place")
    if not location.strip() and not online_link.strip():
        raise ValueError("Give a place or an online link for the meeting.")
    locked.start_time, locked.location, locked.online_link = start_time, location, online_link
    locked.version += 1
    locked.save(update_fields=["start_time", "location", "online_link", "version"])
    audit_record(action=Action.ALTER, actor=by, obj=locked, details={"location": location})
    return locked


def _meeting_transition(meeting: PanelMeeting, target: str, by: User) -> PanelMeeting:
    locked = _lock_meeting(meeting)
    labels = dict(MeetingStatus.choices)
    _check_transition(MEETING_TRANSITIONS, "meeting", locked.status, target, labels)
    before = locked.status
    locked.status = target
    now = timezone.now()
    if target == MeetingStatus.IN_PROGRESS:
        locked.started_at = now
    if target == MeetingStatus.CONCLUDED:
        locked.concluded_at = now
    locked.version += 1
    locked.save(update_fields=["status", "started_at", "concluded_at", "version"])
    audit_record(
        action=Action.ALTER,
        actor=by,
        obj=locked,
        details={"status": {"from": before, "to": target}},
    )
    return locked


@transaction.atomic
def meeting_start(*, meeting: PanelMeeting, by: User) -> PanelMeeting:
    """scheduled -> in progress."""
    return _meeting_transition(meeting, MeetingStatus.IN_PROGRESS, by)


@transaction.atomic
def meeting_conclude(*, meeting: PanelMeeting, by: User) -> PanelMeeting:
    """in progress -> concluded. Nothing more can be recorded afterwards."""
    return _meeting_transition(meeting, MeetingStatus.CONCLUDED, by)


@transaction.atomic
def meeting_cancel(*, meeting: PanelMeeting, by: User) -> PanelMeeting:
    """scheduled -> cancelled."""
    return _meeting_transition(meeting, MeetingStatus.CANCELLED, by)


def _check_class(panel_type: PanelType, sensitivity: str) -> None:
    """A panel text's class must be one some agency receiving this panel's
    papers may see (else nobody could read it back)."""
    if sensitivity not in Sensitivity.values:
        raise ValueError(f"{sensitivity!r} is not a class of information.")
    if sensitivity not in panel_text_classes(panel_type):
        raise ValueError(
            f"No agency on this panel may see {CLASS_NOUNS[sensitivity]}: choose another class."
        )


def _check_may_replace(by: User, text: str, sensitivity: str, what: str) -> None:
    """Text of a class the writer's agency may not see was never shown to
    them, so they may not overwrite it unseen."""
    if text and sensitivity not in visible_sensitivities(agency_of(by)):
        raise ValueError(
            f"These {what} are {CLASS_NOUNS[sensitivity]}, which your agency may not "
            "see: a chair from an agency that may see it can change them."
        )


@transaction.atomic
def meeting_notes_update(
    *,
    meeting: PanelMeeting,
    notes: str,
    version: int | None,
    by: User,
    sensitivity: str = Sensitivity.STANDARD,
) -> PanelMeeting:
    """The meeting's general notes and their class of information."""
    locked = _lock_meeting(meeting)
    if version is None or locked.version != version:
        raise StaleEdit("Someone else changed this meeting while you were editing it.")
    _require_meeting_status(locked, MeetingStatus.IN_PROGRESS, doing="record notes")
    check_length(notes, NOTE, "General notes")
    _check_class(locked.panel_type, sensitivity)
    _check_may_replace(by, locked.notes, locked.notes_sensitivity, "general notes")
    locked.notes = notes
    locked.notes_sensitivity = sensitivity
    locked.version += 1
    locked.save(update_fields=["notes", "notes_sensitivity", "version"])
    audit_record(
        action=Action.COLLECT,
        actor=by,
        obj=locked,
        details={"notes": True, "sensitivity": sensitivity},
    )
    return locked


# ---------------------------------------------------------------- agenda


def _panel_source(panel_type: PanelType) -> str:
    return f"panel:{panel_type.pk}"


def _grant_panel_access(
    *, panel_type: PanelType, meeting: PanelMeeting, people: list[Person], by: User | None
) -> None:
    """Being on a panel's agenda lets the panel's member agencies see the
    person, for as long as the panel involvement lasts — but only agencies the
    sharing agreement allows this panel's class of information."""
    agencies = permitted_agencies(panel_type)
    # Serialises with panel_access_review, which could otherwise end a grant
    # this agenda change still needs (it reads the agendas before we commit).
    PanelType.objects.select_for_update().filter(pk=panel_type.pk).first()
    # One bulk grant (a constant number of queries) rather than one
    # involvement_start per person and agency: ~1,000 queries for a 12-person
    # agenda and 7 agencies. Grants that already exist are skipped.
    offender_services.involvements_start_bulk(
        rows=[
            (person, agency, InvolvementReason.PANEL, False)
            for person in people
            for agency in agencies
        ],
        source=_panel_source(panel_type),
        by=by,
        justification=f"On the agenda of {panel_type.name} on {meeting.date:%d %B %Y}",
    )


def panel_access_review(*, today: date) -> int:
    """End the access panels gave member agencies to people who have left the
    panel's remit (docs/panels.md "Grants from panels"): not in a cohort it
    manages, not on one of its agendas dated REMIT_DAYS before `today` or
    later, no open action of it — or whose agency the panel no longer permits
    (left the panel, sharing agreement changed, panel switched off). Through
    offenders.services.involvement_end, so each end is a `revoke` audit event
    and an agency keeps access it has for any other reason. Daily
    (panels.tasks.panel_access_review); idempotent. Returns how many
    involvements were ended."""
    sources = set(
        Involvement.objects.filter(
            reason=InvolvementReason.PANEL, ended_at__isnull=True, source__startswith="panel:"
        ).values_list("source", flat=True)
    )
    ids = {int(rest) for s in sources if (rest := s.removeprefix("panel:")).isdigit()}
    ended = 0
    for panel_type in PanelType.objects.filter(pk__in=ids).order_by("pk"):
        ended += _panel_access_review_one(panel_type=panel_type, today=today)
    return ended


@transaction.atomic
def _panel_access_review_one(*, panel_type: PanelType, today: date) -> int:
    locked = PanelType.objects.select_for_update().get(pk=panel_type.pk)
    permitted = [a.pk for a in permitted_agencies(locked)] if locked.is_active else []
    stale = (
        Involvement.objects.filter(
            reason=InvolvementReason.PANEL, source=_panel_source(locked), ended_at__isnull=True
        )
        .filter(~Q(agency_id__in=permitted) | ~panel_access_needed(locked, today))
        .select_related("person", "agency")
        .order_by("pk")
    )
    since = today - timedelta(days=REMIT_DAYS)
    ended = 0
    for involvement in stale:
        if involvement.agency_id not in permitted:
            why = f"{involvement.agency.name} no longer receives {locked.name} papers"
        else:
            why = (
                f"Left the remit of {locked.name}: not on its agenda since "
                f"{since:%-d %B %Y}, no open action"
                + (", not in a cohort it manages" if locked.cohorts else "")
            )
        offender_services.involvement_end(
            person=involvement.person,
            agency=involvement.agency,
            reason=InvolvementReason.PANEL,
            source=involvement.source,
            by=None,
            justification=why,
        )
        ended += 1
    return ended


def _sort_key(reasons: list[str]) -> int:
    order = [str(k) for k in RULE_ORDER]
    return min((order.index(r) for r in reasons if r in order), default=len(order))


@transaction.atomic
def agenda_build(*, meeting: PanelMeeting, by: User | None, limit: int | None = None) -> int:
    """Run the panel type's agenda rules and add everyone they find (at most
    `limit` new people, in agenda order, when given). Idempotent: people
    already on the agenda keep their place and gain any new reasons. Returns
    how many people were added."""
    locked = _lock_meeting(meeting)
    _require_meeting_status(
        locked, MeetingStatus.SCHEDULED, MeetingStatus.IN_PROGRESS, doing="build the agenda"
    )
    candidates = agenda_candidates(locked)
    existing = {item.person_id: item for item in AgendaItem.objects.filter(meeting=locked)}
    for person_id, item in existing.items():
        extra = [r for r in candidates.get(person_id, []) if r not in item.reasons]
        if extra:
            item.reasons = [*item.reasons, *extra]
            item.save(update_fields=["reasons"])
    new_ids = [pid for pid in candidates if pid not in existing]
    people = {p.pk: p for p in Person.objects.filter(pk__in=new_ids)}
    ordered = sorted(
        new_ids,
        key=lambda pid: (_sort_key(candidates[pid]), people[pid].family_name, pid),
    )[:limit]
    start = (AgendaItem.objects.filter(meeting=locked).aggregate(m=Max("position"))["m"] or 0) + 1
    items = AgendaItem.objects.bulk_create(
        [
            AgendaItem(
                meeting=locked,
                person=people[pid],
                reasons=candidates[pid],
                position=start + n,
                added_by=by,
            )
            for n, pid in enumerate(ordered)
        ]
    )
    audit_record_many(
        [
            audit_event(
                action=Action.COLLECT,
                actor=by,
                obj=item,
                person_id=item.person.pk,
                details={"meeting": locked.pk, "reasons": item.reasons},
            )
            for item in items
        ]
    )
    _grant_panel_access(
        panel_type=locked.panel_type, meeting=locked, people=[i.person for i in items], by=by
    )
    locked.agenda_built_at = timezone.now()
    locked.save(update_fields=["agenda_built_at"])
    return len(items)


@transaction.atomic
def agenda_item_add(*, meeting: PanelMeeting, person: Person, by: User) -> AgendaItem:
    """The chair adds a person by hand. `person` must come from person_get_for(chair)."""
    locked = _lock_meeting(meeting)
    _require_meeting_status(
        locked, MeetingStatus.SCHEDULED, MeetingStatus.IN_PROGRESS, doing="add to the agenda"
    )
    if person.restricted:
        raise ValueError("A restricted record cannot be put on a panel agenda.")
    item = AgendaItem.objects.filter(meeting=locked, person=person).first()
    if item is not None:
        raise ValueError(f"{person.full_name} is already on this agenda.")
    position = (
        AgendaItem.objects.filter(meeting=locked).aggregate(m=Max("position"))["m"] or 0
    ) + 1
    item = AgendaItem.objects.create(
        meeting=locked, person=person, reasons=[ADDED_BY_CHAIR], position=position, added_by=by
    )
    audit_record(
        action=Action.COLLECT,
        actor=by,
        obj=item,
        person_id=person.pk,
        details={"meeting": locked.pk, "reasons": item.reasons},
    )
    _grant_panel_access(panel_type=locked.panel_type, meeting=locked, people=[person], by=by)
    return item


@transaction.atomic
def agenda_item_discussion(
    *,
    item: AgendaItem,
    discussion: str,
    version: int | None,
    by: User,
    sensitivity: str = Sensitivity.STANDARD,
) -> AgendaItem:
    """Record the discussion notes for one agenda item, with their class of
    information: agencies the sharing agreement does not allow it do not see
    them on any page, in the API or in their copy of the minutes."""
    locked = (
        AgendaItem.objects.select_for_update().select_related("meeting__panel_type").get(pk=item.pk)
    )
    if version is None or locked.version != version:
        raise StaleEdit("Someone else changed these notes while you were editing them.")
    _require_meeting_status(locked.meeting, MeetingStatus.IN_PROGRESS, doing="record notes")
    check_length(discussion, NOTE, "Discussion notes")
    _check_class(locked.meeting.panel_type, sensitivity)
    _check_may_replace(by, locked.discussion, locked.discussion_sensitivity, "discussion notes")
    locked.discussion = discussion
    locked.discussion_sensitivity = sensitivity
    locked.version += 1
    locked.save(update_fields=["discussion", "discussion_sensitivity", "version"])
    audit_record(
        action=Action.COLLECT,
        actor=by,
        obj=locked,
        person_id=locked.person_id,
        details={"discussion": True, "sensitivity": sensitivity},
    )
    return locked


# ---------------------------------------------------------------- referrals


@transaction.atomic
def referral_create(
    *, panel_type: PanelType, person: Person, cohort: str, reason: str, by: User
) -> PanelReferral:
    """Propose a person for the panel's cohort. `person` must come from
    person_get_for(by); the referring user's agency must sit on the panel."""
    agency = agency_of(by)
    if agency is None or not panel_type.member_agencies.filter(pk=agency.pk).exists():
        raise ValueError("Only a member agency of this panel can refer into it.")
    if cohort not in panel_type.cohorts:
        raise ValueError("This panel does not manage that cohort.")
    if not reason.strip():
        raise ValueError("Give the reason for the referral.")
    if PanelReferral.objects.filter(
        panel_type=panel_type, person=person, status=ReferralStatus.AWAITING
    ).exists():
        raise ValueError("This person already has a referral awaiting this panel's decision.")
    referral = PanelReferral.objects.create(
        panel_type=panel_type,
        person=person,
        cohort=cohort,
        reason=reason.strip(),
        referred_by=by,
        referring_agency=agency,
    )
    audit_record(
        action=Action.COLLECT,
        actor=by,
        obj=referral,
        person_id=person.pk,
        details={"panel_type": panel_type.code, "cohort": cohort},
    )
    return referral


# ---------------------------------------------------------------- attendance


@dataclass(frozen=True)
class AttendanceEntry:
    """One member agency's attendance at a meeting, as the chair records it."""

    agency: Agency
    status: str
    representative: str = ""
    declarations: str = ""


@transaction.atomic
def attendance_record_many(
    *, meeting: PanelMeeting, entries: Sequence[AttendanceEntry], by: User
) -> list[Attendance]:
    """Record attendance or apologies and any declaration of interest for
    several member agencies (the attendance page's whole form): all or none."""
    locked = _lock_meeting(meeting)
    _require_meeting_status(
        locked, MeetingStatus.SCHEDULED, MeetingStatus.IN_PROGRESS, doing="record attendance"
    )
    members = set(locked.panel_type.member_agencies.values_list("pk", flat=True))
    for entry in entries:
        if entry.status not in AttendanceStatus.values:
            raise ValueError(f"{entry.status!r} is not an attendance status.")
        if entry.agency.pk not in members:
            raise ValueError(f"{entry.agency.name} is not a member of this panel.")
    fields = ["status", "representative", "declarations", "recorded_by"]
    rows = Attendance.objects.bulk_create(
        [
            Attendance(
                meeting=locked,
                agency=entry.agency,
                status=entry.status,
                representative=entry.representative.strip(),
                declarations=entry.declarations.strip(),
                recorded_by=by,
            )
            for entry in entries
        ],
        update_conflicts=True,
        unique_fields=["meeting", "agency"],
        update_fields=fields,
    )
    audit_record_many(
        [
            audit_event(
                action=Action.COLLECT,
                actor=by,
                obj=row,
                details={"meeting": locked.pk, "agency": row.agency.code, "status": row.status},
            )
            for row in rows
        ]
    )
    return rows


def attendance_record(
    *,
    meeting: PanelMeeting,
    agency: Agency,
    status: str,
    by: User,
    representative: str = "",
    declarations: str = "",
) -> Attendance:
    """Record one agency's attendance or apologies and any declaration of interest."""
    entry = AttendanceEntry(agency, status, representative, declarations)
    return attendance_record_many(meeting=meeting, entries=[entry], by=by)[0]


# ---------------------------------------------------------------- decisions


def _referral_awaiting(item: AgendaItem) -> PanelReferral | None:
    return (
        PanelReferral.objects.select_for_update()
        .filter(
            panel_type_id=item.meeting.panel_type_id,
            person_id=item.person_id,
            status=ReferralStatus.AWAITING,
        )
        .first()
    )


@transaction.atomic
def decision_record(
    *,
    item: AgendaItem,
    outcome: str,
    by: User,
    rationale: str = "",
    cohort: str = "",
    mappa_category: int | None = None,
    brag: str = "",
    brag_reason: str = "",
    person_version: int | None = None,
    sensitivity: str = Sensitivity.STANDARD,
) -> PanelDecision:
    """Record the panel's decision on an agenda item and apply it to the
    person's record through offenders.services, in this one transaction:
    accept -> cohort_adopt, de-select -> cohort_deselect, a BRAG change ->
    brag_change (which checks `person_version`). Any refusal rolls back all.

    `sensitivity` is the class of the decision's free text (rationale and BRAG
    reason). The person record every involved agency reads (cohort membership
    reasons, BRAG history) then gets a neutral reason pointing at the panel,
    not the text itself."""
    if outcome not in DecisionOutcome.values:
        raise ValueError(f"{outcome!r} is not a panel decision.")
    item = AgendaItem.objects.select_related("meeting__panel_type", "person").get(pk=item.pk)
    meeting, panel_type, person = item.meeting, item.meeting.panel_type, item.person
    _require_meeting_status(meeting, MeetingStatus.IN_PROGRESS, doing="record decisions")
    if brag and brag not in Brag.values:
        raise ValueError(f"{brag!r} is not a BRAG status.")
    check_length(rationale.strip(), REASON, "Reason for the decision")
    check_length(brag_reason.strip(), REASON, "Reason for the BRAG change")
    _check_class(panel_type, sensitivity)
    brag_from = person.brag
    if brag and brag == brag_from:
        raise ValueError(
            f"{person.full_name}'s BRAG status is already {Brag(brag).label}: "
            "choose a different status, or keep it as it is."
        )
    referral = _referral_awaiting(item)
    withheld = ""
    if sensitivity != Sensitivity.STANDARD:
        withheld = (
            # Not naming the class: the record is read by agencies the
            # reasons are withheld from, and the class itself says something.
            f"{DecisionOutcome(outcome).label} at {meeting}: the reasons are in the panel's minutes"
        )
    reason = withheld or rationale.strip() or f"{DecisionOutcome(outcome).label} at {meeting}"
    used_cohort = ""

    if outcome == DecisionOutcome.ACCEPT:
        used_cohort = (
            cohort or (referral.cohort if referral else "") or next(iter(panel_type.cohorts), "")
        )
        if used_cohort not in panel_type.cohorts:
            raise ValueError("Choose a cohort this panel manages.")
        offender_services.cohort_adopt(
            person=person,
            cohort=used_cohort,
            start_date=meeting.date,
            reason=reason,
            by=by,
            mappa_category=mappa_category if used_cohort == Cohort.MAPPA else None,
            mappa_level=(panel_type.mappa_level or 2) if used_cohort == Cohort.MAPPA else None,
        )
    elif outcome == DecisionOutcome.DESELECT:
        memberships = CohortMembership.objects.filter(
            person=person, cohort__in=panel_type.cohorts, end_date__isnull=True
        )
        if cohort:
            memberships = memberships.filter(cohort=cohort)
        membership = memberships.order_by("start_date").first()
        if membership is None:
            raise ValueError(f"{person.full_name} is not in a cohort this panel manages.")
        used_cohort = membership.cohort
        offender_services.cohort_deselect(
            membership=membership,
            end_date=max(meeting.date, membership.start_date),
            reason=reason,
            version=membership.version,
            by=by,
        )

    if brag and brag != brag_from:
        if not brag_reason.strip():
            raise ValueError("Give the reason for the BRAG change.")
        offender_services.brag_change(
            person=person,
            status=brag,
            reason=withheld or brag_reason,
            version=person_version,
            by=by,
        )

    if referral is not None:
        referral.status = (
            ReferralStatus.ACCEPTED
            if outcome == DecisionOutcome.ACCEPT
            else ReferralStatus.DECLINED
        )
        referral.decided_at = timezone.now()
        referral.save(update_fields=["status", "decided_at"])

    decision = PanelDecision.objects.create(
        item=item,
        outcome=outcome,
        cohort=used_cohort,
        brag_from=brag_from if brag and brag != brag_from else "",
        brag_to=brag if brag and brag != brag_from else "",
        brag_reason=brag_reason.strip() if brag and brag != brag_from else "",
        rationale=rationale.strip(),
        sensitivity=sensitivity,
        decided_by=by,
        decided_at=timezone.now(),
    )
    audit_record(
        action=Action.ALTER,
        actor=by,
        obj=decision,
        person_id=person.pk,
        details={
            "panel_type": panel_type.code,
            "meeting": meeting.pk,
            "outcome": outcome,
            "cohort": used_cohort,
            "brag": {"from": decision.brag_from, "to": decision.brag_to}
            if decision.brag_to
            else {},
            "referral": referral.status if referral else None,
            "sensitivity": sensitivity,
        },
    )
    return decision


# ---------------------------------------------------------------- actions


@transaction.atomic
def action_create(
    *,
    meeting: PanelMeeting,
    description: str,
    owner_agency: Agency,
    due_date: date,
    by: User,
    item: AgendaItem | None = None,
    owner_user: User | None = None,
) -> PanelAction:
    """A new action raised at a meeting, owned by an agency (and optionally a person there)."""
    locked = _lock_meeting(meeting)
    _require_meeting_status(locked, MeetingStatus.IN_PROGRESS, doing="add actions")
    if not description.strip():
        raise ValueError("Describe the action.")
    check_length(description.strip(), REASON, "Action")
    if owner_agency not in permitted_agencies(locked.panel_type):
        raise ValueError(f"{owner_agency.name} cannot own this panel's actions.")
    if owner_user is not None and not owner_user.is_active:
        raise ValueError("The action owner's account is not active.")
    if owner_user is not None and agency_of(owner_user) != owner_agency:
        raise ValueError(f"{owner_user.get_full_name()} does not work for {owner_agency.name}.")
    if item is not None and item.meeting_id != locked.pk:
        raise ValueError("That agenda item belongs to another meeting.")
    if due_date < locked.date:
        raise ValueError("The due date must be on or after the meeting.")
    action = PanelAction.objects.create(
        meeting=locked,
        item=item,
        person_id=item.person_id if item is not None else None,
        description=description.strip(),
        owner_agency=owner_agency,
        owner_user=owner_user,
        due_date=due_date,
        created_by=by,
    )
    audit_record(
        action=Action.COLLECT,
        actor=by,
        obj=action,
        person_id=action.person_id,
        details={"meeting": locked.pk, "owner_agency": owner_agency.code, "due": str(due_date)},
    )
    return action


def _action_transition(
    *, action: PanelAction, target: str, note: str, version: int | None, by: User
) -> PanelAction:
    locked = PanelAction.objects.select_for_update().get(pk=action.pk)
    _check_transition(
        ACTION_TRANSITIONS, "action", locked.status, target, dict(ActionStatus.choices)
    )
    if version is None or locked.version != version:
        raise StaleEdit("Someone else changed this action while you were looking at it.")
    if target in (ActionStatus.NOT_POSSIBLE, ActionStatus.NOT_DONE) and not note.strip():
        raise ValueError("Say why the action was not done.")
    check_length(note.strip(), NOTE, "Note")
    before = locked.status
    locked.status = target
    locked.outcome_note = note.strip()
    locked.closed_by = by
    locked.closed_at = timezone.now()
    locked.version += 1
    locked.save(update_fields=["status", "outcome_note", "closed_by", "closed_at", "version"])
    audit_record(
        action=Action.ALTER,
        actor=by,
        obj=locked,
        person_id=locked.person_id,
        details={"status": {"from": before, "to": target}},
    )
    return locked


@transaction.atomic
def action_done(
    *, action: PanelAction, version: int | None, by: User, note: str = ""
) -> PanelAction:
    """open -> done."""
    return _action_transition(
        action=action, target=ActionStatus.DONE, note=note, version=version, by=by
    )


@transaction.atomic
def action_not_possible(
    *, action: PanelAction, note: str, version: int | None, by: User
) -> PanelAction:
    """open -> not possible: circumstances changed (MARAC minutes guidance)."""
    return _action_transition(
        action=action, target=ActionStatus.NOT_POSSIBLE, note=note, version=version, by=by
    )


@transaction.atomic
def action_not_done(
    *, action: PanelAction, note: str, version: int | None, by: User
) -> PanelAction:
    """open -> not done: it could have been done and was not."""
    return _action_transition(
        action=action, target=ActionStatus.NOT_DONE, note=note, version=version, by=by
    )


ACTION_SERVICES: dict[str, Callable[..., PanelAction]] = {
    ActionStatus.DONE: action_done,
    ActionStatus.NOT_POSSIBLE: action_not_possible,
    ActionStatus.NOT_DONE: action_not_done,
}


# ---------------------------------------------------------------- update requests


@transaction.atomic
def update_requests_send(*, meeting: PanelMeeting, by: User | None = None) -> int:
    """Ask each involved agency (a permitted member agency with access to the
    person) for an update on each agenda item. Idempotent. Returns how many
    requests were created."""
    locked = _lock_meeting(meeting)
    _require_meeting_status(locked, MeetingStatus.SCHEDULED, doing="ask for updates")
    agencies = {a.pk: a for a in permitted_agencies(locked.panel_type)}
    items = list(AgendaItem.objects.filter(meeting=locked))
    involved = set(
        Involvement.objects.filter(
            person_id__in=[i.person_id for i in items],
            agency_id__in=list(agencies),
            ended_at__isnull=True,
        ).values_list("person_id", "agency_id")
    )
    wanted = [
        UpdateRequest(item=item, agency=agencies[agency_id])
        for item in items
        for agency_id in agencies
        if (item.person_id, agency_id) in involved
    ]
    before = UpdateRequest.objects.filter(item__meeting=locked).count()
    UpdateRequest.objects.bulk_create(wanted, ignore_conflicts=True)
    created = UpdateRequest.objects.filter(item__meeting=locked).count() - before
    locked.update_requests_sent_at = timezone.now()
    locked.save(update_fields=["update_requests_sent_at"])
    audit_record(action=Action.COLLECT, actor=by, obj=locked, details={"update_requests": created})
    return created


@transaction.atomic
def update_respond(
    *, request: UpdateRequest, response: str, by: User, sensitivity: str = "standard"
) -> UpdateRequest:
    """An agency's update for the agenda pack, marked with its class of
    information (one the agency itself may see)."""
    locked = (
        UpdateRequest.objects.select_for_update().select_related("item__meeting").get(pk=request.pk)
    )
    if agency_of(by) != locked.agency:
        raise ValueError("Only the agency asked can give this update.")
    _require_meeting_status(
        locked.item.meeting,
        MeetingStatus.SCHEDULED,
        MeetingStatus.IN_PROGRESS,
        doing="give an update",
    )
    if not response.strip():
        raise ValueError("Enter the update.")
    check_length(response.strip(), NOTE, "Your update")
    if sensitivity not in visible_sensitivities(locked.agency):
        raise ValueError("Your agency cannot mark an update with that class of information.")
    locked.response = response.strip()
    locked.sensitivity = sensitivity
    locked.responded_by = by
    locked.responded_at = timezone.now()
    locked.save(update_fields=["response", "sensitivity", "responded_by", "responded_at"])
    audit_record(
        action=Action.COLLECT,
        actor=by,
        obj=locked,
        person_id=locked.item.person_id,
        details={"meeting": locked.item.meeting_id},
    )
    return locked


def update_requests_due(*, today: date) -> int:
    """For every scheduled meeting whose update window has opened (its panel's
    update_request_days before), build the agenda and ask for updates once.
    Called daily by panels.tasks. Returns how many meetings were prepared."""
    prepared = 0
    meetings = PanelMeeting.objects.filter(
        status=MeetingStatus.SCHEDULED,
        update_requests_sent_at__isnull=True,
        date__gte=today,
        date__lte=today + timedelta(days=31),
    ).select_related("panel_type")
    for meeting in meetings:
        if meeting.date - timedelta(days=meeting.panel_type.update_request_days) > today:
            continue
        agenda_build(meeting=meeting, by=None)
        update_requests_send(meeting=meeting, by=None)
        prepared += 1
    return prepared


# ---------------------------------------------------------------- documents


@transaction.atomic
def meeting_document_disclose(
    *, meeting: PanelMeeting, recipient: Agency, kind: str, by: User
) -> bytes:
    """The agenda pack or minutes as a PDF for one receiving agency, with the
    classes that agency may not see left out; recorded as a disclosure to the
    agency, once for the meeting and once for each person in the copy (so each
    person's access log and subject access request show it)."""
    from .documents import KINDS, meeting_pack, render_pdf

    if kind not in KINDS:
        raise ValueError(f"{kind!r} is not a panel document.")
    if recipient not in permitted_agencies(meeting.panel_type):
        raise ValueError(f"{recipient.name} may not receive this panel's papers.")
    pack = meeting_pack(meeting=meeting, recipient=recipient, kind=kind)
    content = render_pdf(pack)
    details = {"document": kind, "meeting": meeting.pk, "classes": sorted(pack.classes)}
    audit_record_many(
        [
            audit_event(
                action=Action.DISCLOSE,
                actor=by,
                obj=meeting,
                recipient=recipient.name,
                details={**details, "people": len(pack.items)},
            ),
            *[
                audit_event(
                    action=Action.DISCLOSE,
                    actor=by,
                    obj=entry.item,
                    person_id=entry.item.person_id,
                    recipient=recipient.name,
                    details=details,
                )
                for entry in pack.items
            ],
        ]
    )
    return content
