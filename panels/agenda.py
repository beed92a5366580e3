"""The agenda rules: which people a meeting should discuss, and why.

Each rule is one set-based query returning person ids, so building an agenda
costs a constant number of queries however large the cohort. Every rule is
scoped to `panel_scope`: the people at least one of the panel's member
agencies may already see (an agency grant), never restricted records. Rules
are switched on/off and given thresholds per panel type by its chair
(AgendaRule). See docs/panels.md for each rule's exact meaning.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth.models import Permission
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from offenders.models import (
    Brag,
    CohortMembership,
    Disposal,
    DisposalType,
    Enforcement,
    EnforcementKind,
    Person,
    PersonGroupObjectPermission,
)
from pathways.selectors import people_with_needs_unmet_for

from .cadence import next_meeting_date
from .models import (
    RULE_DEFAULTS,
    ActionStatus,
    AgendaItem,
    AgendaRule,
    MeetingStatus,
    PanelAction,
    PanelMeeting,
    PanelReferral,
    PanelType,
    ReferralStatus,
    RuleKind,
)

# The order reasons are listed in, and items sorted by.
RULE_ORDER = [
    RuleKind.REFERRALS,
    RuleKind.MAPPA_REVIEW,
    RuleKind.RED_BRAG,
    RuleKind.BREACHES_RECALLS,
    RuleKind.RELEASE_OR_START,
    RuleKind.UNMET_NEEDS,
    RuleKind.OVERDUE_ACTIONS,
]
ADDED_BY_CHAIR = "added"
REASON_LABELS = {**{k.value: k.label for k in RuleKind}, ADDED_BY_CHAIR: "Added by the chair"}
# MAPPA level 2 cases are reviewed at least every 16 weeks, level 3 every 8
# (DOMAIN.md); settings.MAPPA_REVIEW_WEEKS overrides, the chair's rule over that.
MAPPA_REVIEW_WEEKS = {2: 16, 3: 8}


def _mappa_review_days(level: int | None) -> int | None:
    weeks = {**MAPPA_REVIEW_WEEKS, **getattr(settings, "MAPPA_REVIEW_WEEKS", {})}
    return weeks[level] * 7 if level in weeks else None


def agenda_rules(panel_type: PanelType) -> list[AgendaRule]:
    """The panel type's rules, with unsaved defaults for any not yet configured."""
    saved = {rule.kind: rule for rule in AgendaRule.objects.filter(panel_type=panel_type)}
    rules = []
    for kind in RuleKind:
        rule = saved.get(kind.value)
        if rule is None:
            enabled, threshold, _ = RULE_DEFAULTS[kind]
            if kind == RuleKind.MAPPA_REVIEW:
                threshold = _mappa_review_days(panel_type.mappa_level) or threshold
            rule = AgendaRule(
                panel_type=panel_type, kind=kind, enabled=enabled, threshold_days=threshold
            )
        rules.append(rule)
    return rules


def panel_scope(panel_type: PanelType) -> QuerySet[Person]:
    """People any member agency of the panel may see; restricted records never."""
    # The member groups and the permission id are scalars the planner works
    # out once, so the grant lookup is an index probe per person rather than a
    # join through agencies, groups and permissions (as offenders.selectors does).
    view = Permission.objects.filter(
        codename="view_person", content_type__app_label="offenders"
    ).values("pk")[:1]
    grant = Exists(
        PersonGroupObjectPermission.objects.filter(
            group_id__in=panel_type.member_agencies.values("group_id"),
            permission_id=Subquery(view),
            content_object=OuterRef("pk"),
        )
    )
    return Person.objects.filter(grant, restricted=False)


def _in_managed_cohort(panel_type: PanelType, on: date, person: str = "pk") -> Q:
    if not panel_type.cohorts:
        return Q()
    return Q(
        Exists(
            CohortMembership.objects.filter(
                person=OuterRef(person), cohort__in=panel_type.cohorts, start_date__lte=on
            ).filter(Q(end_date__isnull=True) | Q(end_date__gte=on))
        )
    )


# How long after a meeting its people stay in the remit of a panel with no
# cohorts (the tracker), and keep the access the panel gave its members.
REMIT_DAYS = 90


def _on_agenda_since(panel_type: PanelType, since: date, person: str) -> Q:
    return Q(
        Exists(
            AgendaItem.objects.filter(
                person=OuterRef(person), meeting__panel_type=panel_type, meeting__date__gte=since
            )
        )
    )


def panel_remit(panel_type: PanelType, on: date, *, person: str = "pk") -> Q:
    """The panel's current cohort on `on`: active members of the cohorts it
    manages; for a panel with no cohorts (resettlement), people on its agendas
    from REMIT_DAYS before `on` (later agendas included). `person` names the
    outer query's person id column."""
    if panel_type.cohorts:
        return _in_managed_cohort(panel_type, on, person)
    return _on_agenda_since(panel_type, on - timedelta(days=REMIT_DAYS), person)


def panel_access_needed(panel_type: PanelType, on: date, *, person: str = "person_id") -> Q:
    """Whether member agencies still need the access this panel gave them
    (docs/panels.md "Grants from panels"): the person is in the panel's remit,
    on one of its agendas dated within REMIT_DAYS before `on` or later, or
    has an open action of this panel."""
    open_action = PanelAction.objects.filter(
        person=OuterRef(person), meeting__panel_type=panel_type, status=ActionStatus.OPEN
    )
    return (
        panel_remit(panel_type, on, person=person)
        | _on_agenda_since(panel_type, on - timedelta(days=REMIT_DAYS), person)
        | Q(Exists(open_action))
    )


def previous_meeting(meeting: PanelMeeting) -> PanelMeeting | None:
    return (
        PanelMeeting.objects.filter(panel_type_id=meeting.panel_type_id, date__lt=meeting.date)
        .exclude(status=MeetingStatus.CANCELLED)
        .order_by("-date")
        .first()
    )


@dataclass(frozen=True)
class RuleContext:
    meeting: PanelMeeting
    panel_type: PanelType
    rule: AgendaRule
    scope: QuerySet[Person]
    cohort: Q

    @property
    def days(self) -> int:
        fallback = RULE_DEFAULTS[RuleKind(self.rule.kind)][1] or 0
        return self.rule.threshold_days if self.rule.threshold_days is not None else fallback


def _referrals(ctx: RuleContext) -> QuerySet:
    return PanelReferral.objects.filter(
        panel_type=ctx.panel_type, status=ReferralStatus.AWAITING, person__in=ctx.scope
    ).values_list("person_id", flat=True)


def _red_brag(ctx: RuleContext) -> QuerySet:
    return ctx.scope.filter(ctx.cohort, brag=Brag.RED).values_list("pk", flat=True)


def _release_or_start(ctx: RuleContext) -> QuerySet:
    start, end = ctx.meeting.date, ctx.meeting.date + timedelta(days=ctx.days)
    soon = Disposal.objects.filter(person=OuterRef("pk")).filter(
        Q(type=DisposalType.CUSTODY, release_date__gte=start, release_date__lt=end)
        | Q(
            type__in=[
                DisposalType.LICENCE,
                DisposalType.PSS,
                DisposalType.COMMUNITY_ORDER,
                DisposalType.SUSPENDED_SENTENCE_ORDER,
            ],
            start_date__gte=start,
            start_date__lt=end,
        )
    )
    return ctx.scope.filter(ctx.cohort, Exists(soon)).values_list("pk", flat=True)


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _breaches_recalls(ctx: RuleContext) -> QuerySet:
    before = previous_meeting(ctx.meeting)
    since = before.date if before else ctx.meeting.date - timedelta(days=ctx.days)
    recent = Enforcement.objects.filter(
        person=OuterRef("pk"),
        kind__in=[EnforcementKind.BREACH, EnforcementKind.RECALL_REQUESTED, EnforcementKind.RECALL],
        occurred_at__gte=_aware(since),
        occurred_at__lt=_aware(ctx.meeting.date + timedelta(days=1)),
        # Only classes every recipient of this panel's papers may see.
        sensitivity__in=sorted({"standard", ctx.panel_type.confidentiality}),
    )
    return ctx.scope.filter(ctx.cohort, Exists(recent)).values_list("pk", flat=True)


def _unmet_needs(ctx: RuleContext) -> QuerySet:
    """Needs unmet for at least the threshold (pathways decides what "unmet"
    means: docs/pathways.md)."""
    ids = people_with_needs_unmet_for(days=ctx.days, on=ctx.meeting.date)
    return ctx.scope.filter(ctx.cohort, pk__in=ids).values_list("pk", flat=True)


def _overdue_actions(ctx: RuleContext) -> QuerySet:
    return PanelAction.objects.filter(
        meeting__panel_type=ctx.panel_type,
        status=ActionStatus.OPEN,
        due_date__lt=ctx.meeting.date,
        person__in=ctx.scope,
    ).values_list("person_id", flat=True)


def _mappa_review(ctx: RuleContext) -> QuerySet | list[int]:
    """MAPPA level 2 cases are reviewed at least every 16 weeks, level 3 every
    8 (DOMAIN.md; the interval is the rule's threshold). A case is due at this
    meeting when, by the panel's next meeting, it would have gone longer than
    the interval without a review at a concluded meeting of this panel."""
    level = ctx.panel_type.mappa_level
    if level is None:
        return []
    on = ctx.meeting.date
    horizon = next_meeting_date(ctx.panel_type, on) or on
    cutoff = horizon - timedelta(days=ctx.days)
    at_level = CohortMembership.objects.filter(
        person=OuterRef("pk"), cohort="mappa", mappa_level=level, start_date__lte=on
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=on))
    reviewed = AgendaItem.objects.filter(
        person=OuterRef("pk"),
        meeting__panel_type=ctx.panel_type,
        meeting__status=MeetingStatus.CONCLUDED,
        meeting__date__gt=cutoff,
        meeting__date__lt=on,
    )
    return ctx.scope.filter(Exists(at_level), ~Exists(reviewed)).values_list("pk", flat=True)


RULES: dict[str, Callable[[RuleContext], QuerySet | list[int]]] = {
    RuleKind.REFERRALS: _referrals,
    RuleKind.RED_BRAG: _red_brag,
    RuleKind.RELEASE_OR_START: _release_or_start,
    RuleKind.BREACHES_RECALLS: _breaches_recalls,
    RuleKind.UNMET_NEEDS: _unmet_needs,
    RuleKind.OVERDUE_ACTIONS: _overdue_actions,
    RuleKind.MAPPA_REVIEW: _mappa_review,
}


def agenda_candidates(meeting: PanelMeeting) -> dict[int, list[str]]:
    """person id -> the reasons (rule kinds) they belong on this meeting's agenda."""
    panel_type = meeting.panel_type
    scope = panel_scope(panel_type)
    cohort = _in_managed_cohort(panel_type, meeting.date)
    found: dict[int, list[str]] = {}
    rules = {rule.kind: rule for rule in agenda_rules(panel_type)}
    for kind in RULE_ORDER:
        rule = rules[kind]
        if not rule.enabled:
            continue
        ctx = RuleContext(meeting, panel_type, rule, scope, cohort)
        for person_id in RULES[kind](ctx):
            reasons = found.setdefault(person_id, [])
            if kind not in reasons:
                reasons.append(str(kind))
    return found


@dataclass(frozen=True)
class Overlap:
    panel_type_id: int
    name: str
    lead_priority: int


def overlaps(
    panel_type: PanelType, on: date, person_ids: list[int], visible_classes: frozenset[str]
) -> dict[int, list[Overlap]]:
    """Other panels (that the viewer may know of) discussing each person within
    the overlap rule's window either side of `on`. One query."""
    rule = next(r for r in agenda_rules(panel_type) if r.kind == RuleKind.OVERLAP)
    if not rule.enabled or not person_ids:
        return {}
    window = timedelta(days=rule.threshold_days or 0)
    rows = (
        AgendaItem.objects.filter(
            person_id__in=person_ids,
            meeting__date__gte=on - window,
            meeting__date__lte=on + window,
            meeting__panel_type__confidentiality__in=visible_classes,
        )
        .exclude(meeting__panel_type=panel_type)
        .exclude(meeting__status=MeetingStatus.CANCELLED)
        .values_list(
            "person_id",
            "meeting__panel_type_id",
            "meeting__panel_type__name",
            "meeting__panel_type__lead_priority",
        )
        .distinct()
    )
    result: dict[int, list[Overlap]] = {}
    for person_id, type_id, name, priority in rows:
        result.setdefault(person_id, []).append(Overlap(type_id, name, priority))
    return result


def lead_panel(panel_type: PanelType, others: list[Overlap]) -> str:
    """The panel that leads for a person discussed at several: lowest lead_priority."""
    candidates = [(panel_type.lead_priority, panel_type.name)] + [
        (o.lead_priority, o.name) for o in others
    ]
    return min(candidates)[1]
