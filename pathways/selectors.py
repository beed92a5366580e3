"""Every read about pathways, scoped to the acting user.

People are reached only through offenders.selectors (person_list_for /
person_get_for). Within a person, what is recorded on a pathway of a
sensitivity class the user's agency may not see (health and drug treatment
unless the sharing agreement says so) is absent, except what the user's own
agency recorded, holds responsibility for, or was referred.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from offenders.models import AccommodationStatus, CohortMembership, EmploymentStatus, Person
from offenders.selectors import (
    person_get_for,
    person_may_change,
    person_visible_to,
)
from rrcase.access.models import Agency
from rrcase.access.roles import PERSON_READ_ROLES
from rrcase.access.selectors import agency_of, role_of, visible_sensitivities
from rrcase.audit.models import Action
from rrcase.audit.services import audit_record

from .models import (
    GOOD_OUTCOMES,
    OPEN_NEED_STATUSES,
    OPEN_REFERRAL_STATES,
    PATHWAY_OUTCOME_KIND,
    PLACE_STATES,
    AccommodationOutcome,
    EteOutcome,
    Need,
    NeedStatus,
    NeedType,
    Notification,
    Outcome,
    OutcomeKind,
    Pathway,
    PathwayAssessment,
    Referral,
    ReferralState,
    Service,
)

# --- reference data and the directory (no personal data) ----------------------------


def pathways_active() -> list[Pathway]:
    return list(Pathway.objects.filter(is_active=True))


def need_types_active() -> QuerySet[NeedType]:
    return NeedType.objects.filter(is_active=True, pathway__is_active=True).select_related(
        "pathway"
    )


def _referrals_in(states: list[str] | tuple[str, ...]) -> Coalesce:
    """How many of the service's referrals are in `states`, as a subquery.
    (A join and Count would group every referral row, and Django puts a
    subquery annotation into that GROUP BY, evaluating it once per referral:
    minutes at 150,000 referrals.)"""
    counted = Subquery(
        Referral.objects.filter(service=OuterRef("pk"), state__in=states)
        .order_by()
        .values("service")
        .annotate(n=Count("id"))
        .values("n")[:1],
        output_field=IntegerField(),
    )
    return Coalesce(counted, Value(0))


def _places_taken() -> Coalesce:
    return _referrals_in(PLACE_STATES)


def service_directory(*, pathway: Pathway | None = None) -> QuerySet[Service]:
    """Active services with their provider and how many places are taken
    (accepted or started referrals) and how many referrals await a response."""
    services = (
        Service.objects.filter(is_active=True, provider__is_active=True, pathway__is_active=True)
        .select_related("provider__agency", "pathway")
        .prefetch_related("need_types")
        .annotate(
            places_taken=_places_taken(),
            awaiting_response=_referrals_in([ReferralState.SENT]),
        )
        .order_by("pathway__position", "name")
    )
    if pathway is not None:
        services = services.filter(pathway=pathway)
    return services


def service_get(service_id: int) -> Service:
    service = service_directory().filter(pk=service_id).first()
    if service is None:
        raise Http404("No such service.")
    return service


def services_for_need(need: Need) -> list[Service]:
    """Services a need can be referred to: its pathway's, those covering its
    specific need first."""
    services = service_directory(pathway=need.pathway).annotate(
        covers=Count("need_types", filter=Q(need_types=need.need_type_id), distinct=True)
    )
    return sorted(services, key=lambda s: (-s.covers, s.name))  # type: ignore[attr-defined]


# --- sensitivity ---------------------------------------------------------------------


def _scope(user: User | AnonymousUser) -> tuple[Agency | None, frozenset[str]]:
    agency = agency_of(user)
    return agency, visible_sensitivities(agency)


def _need_visible(agency: Agency | None, classes: frozenset[str], prefix: str = "") -> Q:
    own = agency.pk if agency is not None else 0
    return (
        Q(**{f"{prefix}pathway__sensitivity__in": classes})
        | Q(**{f"{prefix}recorded_by_agency_id": own})
        | Q(**{f"{prefix}responsible_agency_id": own})
    )


def _referral_visible(agency: Agency | None, classes: frozenset[str]) -> Q:
    own = agency.pk if agency is not None else 0
    return (
        Q(service__pathway__sensitivity__in=classes) | Q(from_agency_id=own) | Q(to_agency_id=own)
    )


def _outcome_visible(agency: Agency | None, classes: frozenset[str]) -> Q:
    own = agency.pk if agency is not None else 0
    return Q(sensitivity__in=classes) | Q(agency_id=own)


# --- a person's pathway plan ---------------------------------------------------------


@dataclass
class PathwaySection:
    pathway: Pathway
    visible: bool
    assessment: PathwayAssessment | None = None
    needs: list[Need] = field(default_factory=list)
    referrals: list[Referral] = field(default_factory=list)

    @property
    def open_needs(self) -> int:
        return sum(1 for need in self.needs if need.is_open)


def person_tab_context(user: User | AnonymousUser, person: Any) -> dict[str, Any]:
    """Context for the Pathways tab of a person's page (templates/pathways/person_tab.html).
    `person` must already have been loaded with offenders.selectors.person_get_for.

    A constant number of queries whatever the number of needs, referrals and outcomes."""
    agency, classes = _scope(user)
    pathways = pathways_active()
    assessments = {
        a.pathway_id: a
        for a in PathwayAssessment.objects.filter(person=person).select_related(
            "responsible_agency"
        )
    }
    needs = list(
        Need.objects.filter(person=person)
        .filter(
            _need_visible(agency, classes) | Q(referrals__to_agency_id=agency.pk if agency else 0)
        )
        .distinct()
        .select_related("need_type", "responsible_agency", "recorded_by_agency")
        .order_by("pathway__position", "-status", "need_type__position", "id")
    )
    referrals = list(
        Referral.objects.filter(person=person)
        .filter(_referral_visible(agency, classes))
        .select_related("service__provider", "from_agency", "to_agency", "need__need_type")
        .order_by("-created_at", "-id")
    )
    outcomes = list(
        Outcome.objects.filter(person=person)
        .filter(_outcome_visible(agency, classes))
        .select_related("agency")
        .order_by("-recorded_on", "-id")
    )
    by_pathway: dict[int, PathwaySection] = {}
    sections = []
    for pathway in pathways:
        section = PathwaySection(
            pathway=pathway,
            visible=pathway.sensitivity in classes,
            assessment=assessments.get(pathway.pk) if pathway.sensitivity in classes else None,
        )
        by_pathway[pathway.pk] = section
        sections.append(section)
    for need in needs:
        if need.pathway_id in by_pathway:
            by_pathway[need.pathway_id].needs.append(need)
    referrals_by_need: dict[int, list[Referral]] = {}
    for referral in referrals:
        referrals_by_need.setdefault(referral.need_id, []).append(referral)
    for need in needs:
        need.referral_list = referrals_by_need.get(need.pk, [])  # type: ignore[attr-defined]
    latest: dict[str, Outcome] = {}
    for outcome in outcomes:
        latest.setdefault(outcome.kind, outcome)
    return {
        "person": person,
        "pathway_sections": sections,
        "quiet_sections": [s for s in sections if s.assessment is None and not s.needs],
        "referrals": referrals,
        "outcomes": outcomes,
        "latest_outcomes": [latest[k] for k in OutcomeKind.values if k in latest],
        "can_change_pathways": person_may_change(user, person),
    }


def need_get_for(user: User | AnonymousUser, person: Person, need_id: int) -> Need:
    """One of the person's needs the user may see, or 404."""
    agency, classes = _scope(user)
    need = (
        Need.objects.filter(person=person, pk=need_id)
        .filter(
            _need_visible(agency, classes) | Q(referrals__to_agency_id=agency.pk if agency else 0)
        )
        .select_related("need_type", "pathway", "responsible_agency", "recorded_by_agency")
        .first()
    )
    if need is None:
        raise Http404("No such need.")
    return need


def need_notes(need: Need) -> list[Any]:
    return list(need.notes.select_related("written_by", "agency"))


def assessment_for(person: Person, pathway: Pathway) -> PathwayAssessment | None:
    return PathwayAssessment.objects.filter(person=person, pathway=pathway).first()


# --- referrals -----------------------------------------------------------------------


def _refuse_role(user: User | AnonymousUser, what: str) -> None:
    if role_of(user) not in PERSON_READ_ROLES:
        audit_record(
            action=Action.ACCESS_DENIED,
            actor=user,
            details={"object": what, "reason": "role has no access to person records"},
        )
        raise PermissionDenied("Your role does not give access to referrals.")


def referral_list_for(user: User | AnonymousUser) -> QuerySet[Referral]:
    """Referrals the user's agency made or received, for people the user can see."""
    agency = agency_of(user)
    if agency is None or role_of(user) not in PERSON_READ_ROLES:
        return Referral.objects.none()
    return Referral.objects.filter(
        Q(from_agency=agency) | Q(to_agency=agency), person_visible_to(user)
    ).select_related("person", "service__provider", "from_agency", "to_agency", "need__need_type")


def referral_get_for(user: User | AnonymousUser, referral_id: int) -> Referral:
    """One referral for a page: 403 for roles that never open people's records,
    404 when the user's agency is not a party to it or cannot see the person.
    Opening it is a consultation of the person, so it goes through person_get_for."""
    _refuse_role(user, "pathways.referral")
    referral = referral_list_for(user).filter(pk=referral_id).first()
    if referral is None:
        audit_record(
            action=Action.ACCESS_DENIED,
            actor=user,
            details={"object": "pathways.referral", "id": referral_id, "reason": "not a party"},
        )
        raise Http404("No such referral.")
    person_get_for(user, referral.person_id)
    return referral


def referral_events(referral: Referral) -> list[Any]:
    return list(referral.events.select_related("by", "agency"))


def _overdue() -> Case:
    return Case(
        When(state=ReferralState.SENT, respond_by__lt=timezone.now(), then=Value(True)),
        default=Value(False),
    )


def referral_inbox_for(user: User | AnonymousUser) -> QuerySet[Referral]:
    """Open referrals to the user's agency: awaiting a response first, overdue
    (past the service's response-time target) at the top."""
    _refuse_role(user, "pathways.referral_inbox")
    agency = agency_of(user)
    return (
        referral_list_for(user)
        .filter(to_agency=agency, state__in=OPEN_REFERRAL_STATES)
        .annotate(
            overdue=_overdue(),
            awaiting=Case(
                When(state=ReferralState.SENT, then=Value(0)), default=Value(1),
                output_field=IntegerField(),
            ),
        )
        .order_by("awaiting", "-overdue", "respond_by", "id")
    )  # fmt: skip


def referral_outbox_for(user: User | AnonymousUser) -> QuerySet[Referral]:
    """Referrals the user's agency made, newest first."""
    _refuse_role(user, "pathways.referral_outbox")
    agency = agency_of(user)
    return (
        referral_list_for(user)
        .filter(from_agency=agency)
        .annotate(overdue=_overdue())
        .order_by("-created_at", "-id")
    )


def notification_list_for(user: User | AnonymousUser) -> QuerySet[Notification]:
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(recipient_id=user.pk).select_related("referral")


def notification_unread_count(user: User | AnonymousUser) -> int:
    return notification_list_for(user).filter(read_at__isnull=True).count()


# --- outcomes for other apps ---------------------------------------------------------

# How an accommodation / ETE outcome reads as the status recorded at the end of a
# disposal (offenders.Disposal, NI 143 / 144). In custody at the end is neither
# settled nor unsettled community accommodation: it is left out ("unknown"), as
# the HMPPS statistics leave out unknowns. Education or training is not
# employment and the person is available for work: "unemployed".
ACCOMMODATION_AT_END = {
    AccommodationOutcome.SETTLED: AccommodationStatus.SETTLED,
    AccommodationOutcome.TEMPORARY: AccommodationStatus.UNSETTLED,
    AccommodationOutcome.NFA: AccommodationStatus.NFA,
    AccommodationOutcome.IN_CUSTODY: AccommodationStatus.UNKNOWN,
}
EMPLOYMENT_AT_END = {
    EteOutcome.EMPLOYED: EmploymentStatus.EMPLOYED,
    EteOutcome.EDUCATION_TRAINING: EmploymentStatus.UNEMPLOYED,
    EteOutcome.UNEMPLOYED: EmploymentStatus.UNEMPLOYED,
    EteOutcome.UNAVAILABLE: EmploymentStatus.UNAVAILABLE,
}


def _latest_outcomes(kind: str, person_ids: Any, day: date) -> dict[int, str]:
    rows = (
        Outcome.objects.filter(person_id__in=person_ids, kind=kind, recorded_on__lte=day)
        .order_by("person_id", "-recorded_on", "-id")
        .distinct("person_id")
        .values_list("person_id", "value")
    )
    return dict(rows)


def accommodation_status_on(person_ids: Any, day: date) -> dict[int, str]:
    """Each person's accommodation on `day`: the latest accommodation outcome
    recorded on or before it (AccommodationOutcome values: settled, temporary,
    nfa, in_custody). People with none are absent: their status is unknown.

    For the alerts code ("released in the last 28 days without settled
    accommodation" = status != "settled", absent included). Not scoped: pass ids
    that came from a scoped selector. One query; person_ids may be a list or a
    values_list queryset (then it runs as a subquery)."""
    ids = person_ids if isinstance(person_ids, QuerySet) else list(person_ids)
    return _latest_outcomes(OutcomeKind.ACCOMMODATION, ids, day)


def disposal_end_statuses(*, person_id: int, day: date) -> tuple[str | None, str | None]:
    """(accommodation_at_end, employment_at_end) from the latest accommodation and
    ETE outcomes on or before `day`; None where no outcome was recorded by then."""
    return disposal_end_statuses_many([(person_id, day)]).get((person_id, day), (None, None))


def disposal_end_statuses_many(
    ends: Iterable[tuple[int, date]],
) -> dict[tuple[int, date], tuple[str | None, str | None]]:
    """disposal_end_statuses for many (person_id, terminated_date) at once, in
    one query; pairs with no outcome of either kind by their day are left out.
    The import ends disposals a batch at a time (docs/import.md)."""
    wanted = set(ends)
    if not wanted:
        return {}
    # Per (person, kind), newest first.
    history: dict[tuple[int, str], list[tuple[date, str]]] = {}
    for person_id, kind, recorded_on, value in (
        Outcome.objects.filter(
            person_id__in={person_id for person_id, _ in wanted},
            kind__in=(OutcomeKind.ACCOMMODATION, OutcomeKind.ETE),
            recorded_on__lte=max(day for _, day in wanted),
        )
        .order_by("person_id", "kind", "-recorded_on", "-id")
        .values_list("person_id", "kind", "recorded_on", "value")
    ):
        history.setdefault((person_id, kind), []).append((recorded_on, value))

    def latest(person_id: int, kind: str, day: date) -> str | None:
        return next((v for d, v in history.get((person_id, kind), ()) if d <= day), None)

    found = {}
    for person_id, day in wanted:
        accommodation = latest(person_id, OutcomeKind.ACCOMMODATION, day)
        employment = latest(person_id, OutcomeKind.ETE, day)
        if accommodation or employment:
            found[(person_id, day)] = (
                str(ACCOMMODATION_AT_END[AccommodationOutcome(accommodation)])
                if accommodation
                else None,
                str(EMPLOYMENT_AT_END[EteOutcome(employment)]) if employment else None,
            )
    return found


def people_with_needs_unmet_for(*, days: int, on: date) -> QuerySet[Need, int]:
    """Ids of people with a need that has gone unmet for at least `days` days
    on `on`: identified on or before `on - days`, still open (not started or in
    progress) on an active pathway, and with no completed referral. A completed
    service counts as meeting the need even if nobody has marked it met yet: the
    panel should not be told a need is neglected when the service was delivered.
    Outcome histories do not count: they are per pathway, not per need (settled
    accommodation does not settle a tenancy at risk).

    For the panels' "unmet needs" agenda rule. Status is the need's status now:
    an agenda is built before or at its meeting. Not scoped: the caller limits
    the ids to people its user may see (panels: panel_scope). One subquery."""
    completed = Referral.objects.filter(need=OuterRef("pk"), state=ReferralState.COMPLETED)
    return (
        Need.objects.filter(
            status__in=OPEN_NEED_STATUSES,
            pathway__is_active=True,
            identified_on__lte=on - timedelta(days=days),
        )
        .exclude(Exists(completed))
        .values_list("person_id", flat=True)
        .distinct()
    )


# --- the partnership gap analysis (aggregates only) ----------------------------------


@dataclass
class GapRow:
    pathway: Pathway
    people_with_need: int = 0
    open_needs: int = 0
    needs_met: int = 0
    needs_referred: int = 0
    referrals_sent: int = 0
    referrals_accepted: int = 0
    referrals_rejected: int = 0
    referrals_overdue: int = 0
    cross_agency_referrals: int = 0
    unreferred_service_elsewhere: int = 0
    services: int = 0
    capacity: int | None = None
    places_taken: int = 0
    services_at_capacity: int = 0
    # People with a need on the pathway whose latest outcome in the pathway's
    # history is good (settled; employed or in education/training; in
    # treatment); None for pathways without an outcome history.
    people_with_good_outcome: int | None = None


@dataclass
class MissingProvision:
    pathway: str
    need: str
    open_needs: int


@dataclass
class GapAnalysis:
    rows: list[GapRow]
    missing: list[MissingProvision]
    cohort: str
    as_of: date


def gap_analysis(*, cohort: str = "", today: date | None = None) -> GapAnalysis:
    """Per pathway: needs known, referrals made, services available and outcomes
    met, and where provision is missing. Counts only, so analysts can use it.
    Seven set-based queries whatever the number of people."""
    today = today or timezone.localdate()
    now = timezone.now()
    pathways = pathways_active()
    rows = {p.pk: GapRow(pathway=p) for p in pathways}

    def in_cohort(prefix: str) -> Q:
        if not cohort:
            return Q()
        members = CohortMembership.objects.filter(cohort=cohort, start_date__lte=today).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=today)
        )
        return Q(**{f"{prefix}person_id__in": members.values("person_id")})

    sent = Referral.objects.filter(need=OuterRef("pk")).exclude(state=ReferralState.DRAFT)
    open_need = Q(status__in=OPEN_NEED_STATUSES)
    for r1 in (
        Need.objects.filter(in_cohort(""))
        .annotate(referred=Exists(sent))
        .values("pathway_id")
        .annotate(
            people=Count("person_id", filter=open_need, distinct=True),
            open=Count("id", filter=open_need),
            met=Count("id", filter=Q(status=NeedStatus.MET)),
            referred_n=Count("id", filter=Q(referred=True)),
        )
        .order_by()
    ):
        row = rows.get(r1["pathway_id"])
        if row:
            row.people_with_need = r1["people"]
            row.open_needs = r1["open"]
            row.needs_met = r1["met"]
            row.needs_referred = r1["referred_n"]

    not_draft = ~Q(state=ReferralState.DRAFT)
    for r2 in (
        Referral.objects.filter(in_cohort(""))
        .values("service__pathway_id")
        .annotate(
            sent=Count("id", filter=not_draft),
            accepted=Count(
                "id",
                filter=Q(state__in=[ReferralState.ACCEPTED, ReferralState.STARTED,
                                    ReferralState.COMPLETED, ReferralState.DISENGAGED]),
            ),
            rejected=Count("id", filter=Q(state=ReferralState.REJECTED)),
            overdue=Count("id", filter=Q(state=ReferralState.SENT, respond_by__lt=now)),
            cross=Count(
                "id",
                filter=not_draft & Q(to_agency__isnull=False) & ~Q(to_agency=F("from_agency")),
            ),
        )
        .order_by()
    ):  # fmt: skip
        row = rows.get(r2["service__pathway_id"])
        if row:
            row.referrals_sent = r2["sent"]
            row.referrals_accepted = r2["accepted"]
            row.referrals_rejected = r2["rejected"]
            row.referrals_overdue = r2["overdue"]
            row.cross_agency_referrals = r2["cross"]

    for r3 in (
        Service.objects.filter(is_active=True, provider__is_active=True)
        .annotate(taken=_places_taken())
        .annotate(
            is_full=Case(
                When(capacity__isnull=False, taken__gte=F("capacity"), then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        .values("pathway_id")
        .annotate(
            n=Count("id"),
            capacity_total=Sum("capacity"),
            unlimited=Count("id", filter=Q(capacity__isnull=True)),
            taken_total=Sum("taken"),
            full=Sum("is_full"),
        )
        .order_by()
    ):
        row = rows.get(r3["pathway_id"])
        if row:
            row.services = r3["n"]
            row.capacity = None if r3["unlimited"] else r3["capacity_total"]
            row.places_taken = r3["taken_total"] or 0
            row.services_at_capacity = r3["full"] or 0

    # Needs known to one agency whose services all sit with another, not yet referred.
    active_service = Service.objects.filter(
        is_active=True, provider__is_active=True, need_types=OuterRef("need_type_id")
    )
    for r4 in (
        Need.objects.filter(in_cohort(""), open_need)
        .filter(~Exists(sent), Exists(active_service))
        .exclude(Exists(active_service.filter(provider__agency=OuterRef("recorded_by_agency_id"))))
        .values("pathway_id")
        .annotate(n=Count("id"))
        .order_by()
    ):
        row = rows.get(r4["pathway_id"])
        if row:
            row.unreferred_service_elsewhere = r4["n"]

    # Good outcomes: each person's latest outcome in the history their
    # pathway feeds, one query for every pathway that has one.
    with_history = [p for p in pathways if p.code in PATHWAY_OUTCOME_KIND]
    for p in with_history:
        rows[p.pk].people_with_good_outcome = 0
    if with_history:
        latest = Subquery(
            Outcome.objects.filter(person_id=OuterRef("person_id"), kind=OuterRef("history"))
            .order_by("-recorded_on", "-id")
            .values("value")[:1]
        )
        for r5 in (
            Need.objects.filter(in_cohort(""), pathway__in=with_history)
            .annotate(
                history=Case(
                    *[When(pathway__code=p.code, then=Value(PATHWAY_OUTCOME_KIND[p.code]))
                      for p in with_history],
                    default=Value(""),
                )
            )
            .annotate(latest=latest)
            .filter(latest__in=GOOD_OUTCOMES)
            .values("pathway_id")
            .annotate(n=Count("person_id", distinct=True))
            .order_by()
        ):  # fmt: skip
            rows[r5["pathway_id"]].people_with_good_outcome = r5["n"]

    missing = [
        MissingProvision(pathway=t.pathway.name, need=t.name, open_needs=t.open_needs)
        for t in NeedType.objects.filter(pathway__is_active=True)
        .annotate(
            open_needs=Count(
                "needs",
                filter=Q(needs__status__in=OPEN_NEED_STATUSES) & in_cohort("needs__"),
            )
        )
        .filter(open_needs__gt=0)
        .exclude(
            Exists(
                Service.objects.filter(
                    is_active=True, provider__is_active=True, need_types=OuterRef("pk")
                )
            )
        )
        .select_related("pathway")
        .order_by("-open_needs", "pathway__position", "name")
    ]
    return GapAnalysis(
        rows=[rows[p.pk] for p in pathways], missing=missing, cohort=cohort, as_of=today
    )
