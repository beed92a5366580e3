"""Every read about panels, scoped to the acting user.

Who sees a panel: users of its member agencies (and its chairs) whose role may
read person records, when the sharing agreement allows their agency the
panel's confidentiality class (MAPPA minutes: MAPPA agencies only). People on
an agenda are further filtered through offenders.selectors.person_list_for,
so a restricted record never shows. Outside the panel -> 404; inside it but
not permitted (analyst, a member agency without the class, a non-chair
writing) -> 403. Both are logged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.http import Http404
from django.utils import timezone

from offenders.models import Person, Sensitivity
from offenders.selectors import person_list_for, person_visible_to
from rrcase.access.models import SharingRule
from rrcase.access.roles import PERSON_READ_ROLES, PERSON_WRITE_ROLES
from rrcase.access.selectors import (
    STANDARD,
    agencies_seeing,
    agency_of,
    role_of,
    visible_sensitivities,
)
from rrcase.audit.models import Action
from rrcase.audit.services import audit_record

from .agenda import REASON_LABELS, agenda_rules, lead_panel, overlaps, panel_remit
from .models import (
    ActionStatus,
    AgendaItem,
    Attendance,
    AttendanceStatus,
    MeetingStatus,
    PanelAction,
    PanelDecision,
    PanelMeeting,
    PanelType,
    UpdateRequest,
)

AnyUser = User | AnonymousUser


# ---------------------------------------------------------------- classes of information
#
# Discussion notes, general notes, decisions' free text and agency updates
# each carry a class of information (offenders.Sensitivity), and the sharing
# agreement (rrcase.access.SharingRule, through visible_sensitivities: the one
# rule contacts and enforcement records follow too) says which agencies see
# which class. Every read below that hands such text on — pages, API, papers —
# goes through these helpers, so a text of a class the reader's agency may not
# see never reaches a template or serializer: it is blanked on the loaded
# object (services re-read what they change, so nothing is saved from it) and
# the object says which class was left out, so the page or copy can say so.

CLASS_LABELS: dict[str, str] = dict(Sensitivity.choices)
# How a sentence names a piece of text of each class ("2 items of ...").
CLASS_NOUNS: dict[str, str] = {
    "standard": "standard information",
    "police_intelligence": "police intelligence",
    "health": "health information",
    "mappa": "MAPPA information",
}


def panel_text_classes(panel_type: PanelType) -> frozenset[str]:
    """The classes a panel text may be given: those some agency receiving the
    panel's papers (an active member the agreement allows the panel's own
    class) may see. Two queries."""
    members = agencies_seeing(
        panel_type.member_agencies.filter(is_active=True), panel_type.confidentiality
    )
    kinds = list(members.values_list("kind", flat=True))
    rules = SharingRule.objects.filter(agency_kind__in=kinds).values_list("sensitivity", flat=True)
    return frozenset({STANDARD, *rules})


def withhold_discussion(item: AgendaItem, classes: frozenset[str]) -> bool:
    """Blank `item`'s discussion notes unless their class is in `classes`;
    `item.discussion_withheld` is then the class left out ("" otherwise)."""
    item.discussion_withheld = ""  # type: ignore[attr-defined]
    if item.discussion and item.discussion_sensitivity not in classes:
        item.discussion_withheld = item.discussion_sensitivity  # type: ignore[attr-defined]
        item.discussion = ""
        return True
    return False


def withhold_decision(decision: PanelDecision, classes: frozenset[str]) -> bool:
    """Blank a decision's free text (rationale, BRAG reason) unless its class
    is in `classes`; the outcome and BRAG change stay (they are on the person
    record every involved agency reads)."""
    decision.reasons_withheld = ""  # type: ignore[attr-defined]
    if (decision.rationale or decision.brag_reason) and decision.sensitivity not in classes:
        decision.reasons_withheld = decision.sensitivity  # type: ignore[attr-defined]
        decision.rationale = decision.brag_reason = ""
        return True
    return False


def withhold_notes(meeting: PanelMeeting, classes: frozenset[str]) -> bool:
    """Blank a meeting's general notes unless their class is in `classes`."""
    meeting.notes_withheld = ""  # type: ignore[attr-defined]
    if meeting.notes and meeting.notes_sensitivity not in classes:
        meeting.notes_withheld = meeting.notes_sensitivity  # type: ignore[attr-defined]
        meeting.notes = ""
        return True
    return False


def _classes_of(user: AnyUser) -> frozenset[str]:
    return visible_sensitivities(agency_of(user))


# ---------------------------------------------------------------- access


def panel_type_list_for(user: AnyUser) -> QuerySet[PanelType]:
    """The panel types this user may see."""
    agency = agency_of(user)
    if agency is None or role_of(user) not in PERSON_READ_ROLES:
        return PanelType.objects.none()
    member = Q(Exists(PanelType.member_agencies.through.objects.filter(
        paneltype_id=OuterRef("pk"), agency_id=agency.pk)))  # fmt: skip
    chair = Q(Exists(PanelType.chairs.through.objects.filter(
        paneltype_id=OuterRef("pk"), user_id=user.pk or 0)))  # fmt: skip
    return PanelType.objects.filter(
        member | chair,
        is_active=True,
        confidentiality__in=visible_sensitivities(agency),
    )


def is_chair(user: AnyUser, panel_type: PanelType) -> bool:
    return (
        role_of(user) in PERSON_WRITE_ROLES and panel_type.chairs.filter(pk=user.pk or 0).exists()
    )


def _deny(user: AnyUser, obj: str, pk: int, reason: str) -> None:
    audit_record(
        action=Action.ACCESS_DENIED,
        actor=user,
        details={"object": obj, "id": pk, "reason": reason},
    )


def _check_panel(
    user: AnyUser, panel_type: PanelType, *, for_chair: bool, what: str, pk: int
) -> None:
    agency = agency_of(user)
    in_scope = agency is not None and (
        panel_type.member_agencies.filter(pk=agency.pk).exists()
        or panel_type.chairs.filter(pk=user.pk or 0).exists()
    )
    if not in_scope or not panel_type.is_active:
        _deny(user, what, pk, "not a member of this panel")
        raise Http404("No such panel.")
    if role_of(user) not in PERSON_READ_ROLES:
        _deny(user, what, pk, "role has no access to panels")
        raise PermissionDenied("Your role does not give access to panels.")
    if panel_type.confidentiality not in visible_sensitivities(agency):
        _deny(user, what, pk, f"agency may not see {panel_type.confidentiality} information")
        raise PermissionDenied("Your agency may not see this panel's papers.")
    if for_chair and not is_chair(user, panel_type):
        _deny(user, what, pk, "not a chair of this panel")
        raise PermissionDenied("Only the panel's chairs can do this.")


def panel_type_get_for(user: AnyUser, pk: int, *, for_chair: bool = False) -> PanelType:
    panel_type = PanelType.objects.filter(pk=pk).first()
    if panel_type is None:
        raise Http404("No such panel.")
    _check_panel(user, panel_type, for_chair=for_chair, what="panels.paneltype", pk=pk)
    return panel_type


def meeting_get_for(user: AnyUser, pk: int, *, for_chair: bool = False) -> PanelMeeting:
    meeting = PanelMeeting.objects.select_related("panel_type").filter(pk=pk).first()
    if meeting is None:
        raise Http404("No such meeting.")
    _check_panel(user, meeting.panel_type, for_chair=for_chair, what="panels.panelmeeting", pk=pk)
    withhold_notes(meeting, _classes_of(user))
    return meeting


def item_get_for(user: AnyUser, pk: int, *, for_chair: bool = False) -> AgendaItem:
    item = AgendaItem.objects.select_related("meeting__panel_type", "person").filter(pk=pk).first()
    if item is None:
        raise Http404("No such agenda item.")
    _check_panel(
        user, item.meeting.panel_type, for_chair=for_chair, what="panels.agendaitem", pk=pk
    )
    if not person_list_for(user).filter(pk=item.person_id).exists():
        _deny(user, "panels.agendaitem", pk, "person not visible to this user")
        raise Http404("No such agenda item.")
    withhold_discussion(item, _classes_of(user))
    audit_record(action=Action.CONSULT, actor=user, obj=item, person_id=item.person_id)
    return item


def action_may_change(user: AnyUser, action: PanelAction) -> bool:
    """A panel chair, or a practitioner of the agency that owns the action."""
    if is_chair(user, action.meeting.panel_type):
        return True
    return role_of(user) in PERSON_WRITE_ROLES and agency_of(user) == action.owner_agency


def action_get_for(user: AnyUser, pk: int, *, for_change: bool = False) -> PanelAction:
    action = (
        PanelAction.objects.select_related(
            "meeting__panel_type", "person", "owner_agency", "owner_user", "closed_by"
        )
        .filter(pk=pk)
        .first()
    )
    if action is None:
        raise Http404("No such action.")
    _check_panel(user, action.meeting.panel_type, for_chair=False, what="panels.panelaction", pk=pk)
    if action.person_id and not person_list_for(user).filter(pk=action.person_id).exists():
        _deny(user, "panels.panelaction", pk, "person not visible to this user")
        raise Http404("No such action.")
    if for_change and not action_may_change(user, action):
        _deny(user, "panels.panelaction", pk, "not the owner agency or a chair")
        raise PermissionDenied(
            "Only the owning agency or the panel's chair can update this action."
        )
    if action.person_id:
        audit_record(action=Action.CONSULT, actor=user, obj=action, person_id=action.person_id)
    return action


# ---------------------------------------------------------------- lists


def meetings_upcoming(
    panel_types: QuerySet[PanelType], today: date, limit: int = 12
) -> list[PanelMeeting]:
    return list(
        PanelMeeting.objects.filter(panel_type__in=panel_types, date__gte=today)
        .exclude(status=MeetingStatus.CANCELLED)
        .select_related("panel_type")
        .order_by("date", "start_time")[:limit]
    )


def panel_type_meetings(panel_type: PanelType, today: date) -> dict[str, list[Any]]:
    meetings = list(
        PanelMeeting.objects.filter(panel_type=panel_type)
        .annotate(item_count=Count("items"))
        .order_by("date")
    )
    return {
        "upcoming": [
            m for m in meetings if m.date >= today or m.status == MeetingStatus.IN_PROGRESS
        ],
        "past": [
            m
            for m in reversed(meetings)
            if m.date < today and m.status != MeetingStatus.IN_PROGRESS
        ][:12],
    }


@dataclass
class AgendaRow:
    item: AgendaItem
    reasons: list[str]
    overlaps: list[str]
    lead: str
    decisions: list[PanelDecision] = field(default_factory=list)
    actions: list[PanelAction] = field(default_factory=list)
    updates: list[UpdateRequest] = field(default_factory=list)
    # The class of each piece of text left out of this row for the reader.
    withheld: list[str] = field(default_factory=list)

    @property
    def updates_received(self) -> int:
        return sum(1 for u in self.updates if u.responded_at is not None)


def agenda_rows(
    panel_type: PanelType, on: date, items: list[AgendaItem], classes: frozenset[str]
) -> list[AgendaRow]:
    """Agenda items (decisions, actions and update requests prefetched) with
    their reasons in words, the other panels discussing the person that a
    reader allowed `classes` may know of, and the lead panel; discussion
    notes, decisions' reasons and agency updates of other classes left out
    (and listed in `withheld`). One query."""
    found = overlaps(panel_type, on, [i.person_id for i in items], classes)
    rows = []
    for item in items:
        others = found.get(item.person_id, [])
        withheld = []
        if withhold_discussion(item, classes):
            withheld.append(item.discussion_sensitivity)
        decisions = list(item.decisions.all())
        withheld += [d.sensitivity for d in decisions if withhold_decision(d, classes)]
        updates = []
        for update in item.update_requests.all():
            if update.sensitivity in classes:
                updates.append(update)
            elif update.responded_at is not None:
                withheld.append(update.sensitivity)
        rows.append(
            AgendaRow(
                item=item,
                reasons=[REASON_LABELS.get(r, r) for r in item.reasons],
                overlaps=sorted({o.name for o in others}),
                lead=lead_panel(panel_type, others) if others else "",
                decisions=decisions,
                actions=list(item.actions.all()),
                updates=updates,
                withheld=withheld,
            )
        )
    return rows


def carried_actions(meeting: PanelMeeting, people: Exists) -> list[PanelAction]:
    """ "Actions carried over": open actions from the panel's earlier meetings
    about people in `people` (an Exists on the action's person) or about no one."""
    return list(
        PanelAction.objects.filter(
            meeting__panel_type=meeting.panel_type_id,
            meeting__date__lt=meeting.date,
            status=ActionStatus.OPEN,
        )
        .filter(Q(person__isnull=True) | people)
        .select_related("person", "owner_agency", "owner_user", "meeting")
        .order_by("due_date", "id")
    )


@dataclass
class Quorum:
    present: int
    required: int

    @property
    def met(self) -> bool:
        return self.present >= self.required


def meeting_agenda(user: AnyUser, meeting: PanelMeeting) -> dict[str, Any]:
    """Everything the meeting page shows, in a constant number of queries:
    the agenda rows the user may see (with reasons, overlap and lead panel,
    decisions, actions, updates), how many they may not, open actions carried
    over from earlier meetings, attendance and quorum."""
    panel_type = meeting.panel_type
    visible = person_visible_to(user)
    classes = visible_sensitivities(agency_of(user))
    items = list(
        AgendaItem.objects.filter(visible, meeting=meeting)
        .select_related("person")
        .prefetch_related(
            Prefetch("decisions", queryset=PanelDecision.objects.select_related("decided_by")),
            Prefetch(
                "actions",
                queryset=PanelAction.objects.select_related("owner_agency", "owner_user"),
            ),
            Prefetch(
                "update_requests",
                queryset=UpdateRequest.objects.select_related("agency", "responded_by"),
            ),
        )
        .order_by("position", "id")
    )
    hidden = AgendaItem.objects.filter(~visible, meeting=meeting).count()
    rows = agenda_rows(panel_type, meeting.date, items, classes)
    carried = carried_actions(meeting, visible)
    attendance = list(Attendance.objects.filter(meeting=meeting).select_related("agency"))
    present = sum(1 for a in attendance if a.status == AttendanceStatus.PRESENT)
    awaiting_updates = sorted(
        {u.agency.name for row in rows for u in row.updates if u.responded_at is None}
    )
    return {
        "rows": rows,
        "hidden_count": hidden,
        "carried_actions": carried,
        "attendance": attendance,
        "quorum": Quorum(present=present, required=panel_type.quorum),
        "awaiting_updates": awaiting_updates,
        "today": timezone.localdate(),
    }


def member_agencies(panel_type: PanelType) -> list[Any]:
    return list(panel_type.member_agencies.filter(is_active=True).order_by("name"))


# ---------------------------------------------------------------- actions tracker

TRACKER_VIEWS = {"mine": "My actions", "agency": "My agency's actions", "all": "All panel actions"}
TRACKER_STATUSES = {
    "open": "Open",
    "due": "Due this week",
    "overdue": "Overdue",
    "done": "Done",
    "not_possible": "Not possible",
    "not_done": "Not done",
}


def action_list_for(
    user: AnyUser, *, view: str = "mine", status: str = "", today: date | None = None
) -> QuerySet[PanelAction]:
    """Actions on panels the user may see, about people the user may see."""
    today = today or timezone.localdate()
    actions = PanelAction.objects.filter(
        meeting__panel_type__in=panel_type_list_for(user).values("pk")
    ).filter(Q(person__isnull=True) | person_visible_to(user))
    if view == "mine":
        actions = actions.filter(owner_user_id=user.pk)
    elif view == "agency":
        agency = agency_of(user)
        actions = actions.filter(owner_agency=agency) if agency else actions.none()
    if status == "open":
        actions = actions.filter(status=ActionStatus.OPEN)
    elif status == "overdue":
        actions = actions.filter(status=ActionStatus.OPEN, due_date__lt=today)
    elif status == "due":
        actions = actions.filter(
            status=ActionStatus.OPEN, due_date__gte=today, due_date__lte=today + timedelta(days=7)
        )
    elif status in ActionStatus.values:
        actions = actions.filter(status=status)
    return actions.select_related(
        "meeting__panel_type", "person", "owner_agency", "owner_user"
    ).order_by("due_date", "id")


def action_counts_for(user: AnyUser, today: date | None = None) -> dict[str, int]:
    """Open and overdue counts of the user's own actions (home page / tracker)."""
    today = today or timezone.localdate()
    mine = action_list_for(user, view="mine", today=today).filter(status=ActionStatus.OPEN)
    return mine.aggregate(open=Count("pk"), overdue=Count("pk", filter=Q(due_date__lt=today)))


# ---------------------------------------------------------------- update requests


def update_requests_for(user: AnyUser, *, open_only: bool = True) -> QuerySet[UpdateRequest]:
    """Update requests addressed to the user's agency, on meetings still to
    come, about people the user may see."""
    agency = agency_of(user)
    if agency is None or role_of(user) not in PERSON_WRITE_ROLES:
        return UpdateRequest.objects.none()
    requests = UpdateRequest.objects.filter(
        agency=agency,
        item__meeting__status__in=[MeetingStatus.SCHEDULED, MeetingStatus.IN_PROGRESS],
        item__meeting__panel_type__in=panel_type_list_for(user).values("pk"),
    ).filter(person_visible_to(user, "item__person"))
    if open_only:
        requests = requests.filter(responded_at__isnull=True)
    return requests.select_related("item__person", "item__meeting__panel_type").order_by(
        "item__meeting__date", "item__position"
    )


def update_request_get_for(user: AnyUser, pk: int) -> UpdateRequest:
    request = update_requests_for(user, open_only=False).filter(pk=pk).first()
    if request is None:
        _deny(user, "panels.updaterequest", pk, "not addressed to this user's agency")
        raise Http404("No such update request.")
    return request


# ---------------------------------------------------------------- person tab


def person_tab_context(user: User | AnonymousUser, person: Any) -> dict[str, Any]:
    """Context for the Panels tab of a person's page (templates/panels/person_tab.html):
    the person's panel history, decisions and open actions, on panels the user
    may see. `person` must already have been loaded with
    offenders.selectors.person_get_for."""
    panel_types = panel_type_list_for(user).values("pk")
    items = list(
        AgendaItem.objects.filter(person=person, meeting__panel_type__in=panel_types)
        .exclude(meeting__status=MeetingStatus.CANCELLED)
        .select_related("meeting__panel_type")
        .prefetch_related("decisions")
        .order_by("-meeting__date")
    )
    classes = _classes_of(user)
    for item in items:
        withhold_discussion(item, classes)
        for decision in item.decisions.all():
            withhold_decision(decision, classes)
    actions = list(
        PanelAction.objects.filter(
            person=person, meeting__panel_type__in=panel_types, status=ActionStatus.OPEN
        )
        .select_related("meeting__panel_type", "owner_agency", "owner_user")
        .order_by("due_date")
    )
    return {
        "panel_items": items,
        "panel_open_actions": actions,
        "panel_today": timezone.localdate(),
    }


# ---------------------------------------------------------------- live tracker and overlap

BRAG_ORDER = Case(
    When(brag="red", then=Value(0)),
    When(brag="amber", then=Value(1)),
    When(brag="green", then=Value(2)),
    When(brag="blue", then=Value(3)),
    default=Value(4),
    output_field=IntegerField(),
)


def _count_of(queryset: QuerySet[Any]) -> Subquery:
    return Subquery(
        queryset.order_by().values("person_id").annotate(n=Count("pk")).values("n")[:1],
        output_field=IntegerField(),
    )


def panel_tracker(
    user: AnyUser, panel_type: PanelType, *, today: date, brag: str = ""
) -> QuerySet[Person]:
    """The live tracker: the panel's current cohort (active members of the
    cohorts it manages; for a panel with no cohorts, people on its agendas in
    the last 90 days) that the user may see, with BRAG, RoSH, when the panel
    last discussed them, their next meeting, and open and overdue actions.
    One query for the page, however large the cohort."""
    people = person_list_for(user).filter(panel_remit(panel_type, today))
    if brag in ("red", "amber", "green", "blue"):
        people = people.filter(brag=brag)
    here = AgendaItem.objects.filter(person=OuterRef("pk"), meeting__panel_type=panel_type)
    actions = PanelAction.objects.filter(
        person=OuterRef("pk"), meeting__panel_type=panel_type, status=ActionStatus.OPEN
    )
    upcoming = here.filter(
        meeting__status__in=[MeetingStatus.SCHEDULED, MeetingStatus.IN_PROGRESS],
        meeting__date__gte=today,
    ).order_by("meeting__date")
    return people.annotate(
        brag_rank=BRAG_ORDER,
        last_discussed=Subquery(
            here.filter(meeting__status=MeetingStatus.CONCLUDED)
            .order_by("-meeting__date")
            .values("meeting__date")[:1]
        ),
        next_meeting=Subquery(upcoming.values("meeting__date")[:1]),
        next_meeting_id=Subquery(upcoming.values("meeting_id")[:1]),
        open_actions=_count_of(actions),
        overdue_actions=_count_of(actions.filter(due_date__lt=today)),
    ).order_by("brag_rank", "family_name", "given_name", "pk")


def review_due(panel_type: PanelType, last_discussed: date | None) -> date | None:
    """When a MAPPA panel must next review someone (the review rule's interval)."""
    if panel_type.mappa_level is None or last_discussed is None:
        return None
    rule = next(r for r in agenda_rules(panel_type) if r.kind == "mappa_review")
    return last_discussed + timedelta(days=rule.threshold_days or 0)


@dataclass
class OverlapRow:
    person: Person
    panels: list[str]
    lead: str
    actions: list[PanelAction]


def overlap_list_for(user: AnyUser, *, today: date, days: int = 90) -> list[OverlapRow]:
    """People on the agendas of more than one panel the user may see within
    `days` either side of today, which panel leads (lowest lead priority) and
    their open actions side by side. Three queries."""
    panel_types = {p.pk: p for p in panel_type_list_for(user)}
    rows = (
        AgendaItem.objects.filter(
            meeting__panel_type_id__in=list(panel_types),
            meeting__date__gte=today - timedelta(days=days),
            meeting__date__lte=today + timedelta(days=days),
        )
        .filter(person_visible_to(user))
        .exclude(meeting__status=MeetingStatus.CANCELLED)
        .values_list("person_id", "meeting__panel_type_id")
        .distinct()
    )
    panels_of: dict[int, set[int]] = {}
    for person_id, type_id in rows:
        panels_of.setdefault(person_id, set()).add(type_id)
    several = {pid: ids for pid, ids in panels_of.items() if len(ids) > 1}
    people = {p.pk: p for p in Person.objects.filter(pk__in=list(several))}
    actions: dict[int, list[PanelAction]] = {}
    for action in (
        PanelAction.objects.filter(
            person_id__in=list(several),
            status=ActionStatus.OPEN,
            meeting__panel_type_id__in=list(panel_types),
        )
        .select_related("meeting__panel_type", "owner_agency")
        .order_by("due_date")
    ):
        actions.setdefault(action.person_id or 0, []).append(action)
    result = []
    for person_id, type_ids in several.items():
        types = sorted((panel_types[t] for t in type_ids), key=lambda p: (p.lead_priority, p.name))
        result.append(
            OverlapRow(
                person=people[person_id],
                panels=[t.name for t in types],
                lead=types[0].name,
                actions=actions.get(person_id, []),
            )
        )
    return sorted(result, key=lambda r: (r.person.family_name, r.person.given_name, r.person.pk))


# ---------------------------------------------------------------- one item, decisions API


def item_papers_for(user: AnyUser, item: AgendaItem) -> dict[str, Any]:
    """What the item page shows beside the item (which item_get_for loaded,
    its discussion already withheld as the user's agency requires): decisions
    with reasons of classes the user's agency may not see left out, actions,
    and the agency updates of classes it may see."""
    classes = _classes_of(user)
    decisions = list(item.decisions.select_related("decided_by"))
    for decision in decisions:
        withhold_decision(decision, classes)
    return {
        "decisions": decisions,
        "actions": list(item.actions.select_related("owner_agency", "owner_user")),
        "updates": list(
            item.update_requests.filter(sensitivity__in=classes).select_related(
                "agency", "responded_by"
            )
        ),
    }


def decision_list_for(user: AnyUser) -> QuerySet[PanelDecision]:
    """Decisions about people the user may see, on panels the user may see.
    The free text is read through annotations that are empty for a class the
    user's agency may not see (`shown_rationale`, `shown_brag_reason`;
    `reasons_withheld` names the class), and the raw columns are not loaded."""
    classes = list(_classes_of(user))
    allowed = Q(sensitivity__in=classes)

    def shown(column: str) -> Case:
        return Case(When(allowed, then=F(column)), default=Value(""), output_field=CharField())

    return (
        PanelDecision.objects.filter(
            person_visible_to(user, "item__person"),
            item__meeting__panel_type__in=panel_type_list_for(user).values("pk"),
        )
        .defer("rationale", "brag_reason")
        .annotate(
            shown_rationale=shown("rationale"),
            shown_brag_reason=shown("brag_reason"),
            reasons_withheld=Case(
                When(allowed | (Q(rationale="") & Q(brag_reason="")), then=Value("")),
                default=F("sensitivity"),
                output_field=CharField(),
            ),
        )
        .select_related("item__person")
        .order_by("-decided_at", "-id")
    )
