"""Every read of people goes through here, scoped to the acting user.

The rule (DESIGN.md "Access model"): an agency sees a person only through an
explicit grant (PersonGroupObjectPermission on the agency's group); a
restricted person is seen only by users named on it; analysts and system
admins see no person records. Out of scope -> 404, in scope but not permitted
-> 403, and both are logged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, Permission, User
from django.contrib.postgres.search import SearchQuery
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import (
    Case,
    CharField,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Concat, TruncMonth, Upper
from django.http import Http404
from django.utils import timezone

from rrcase.access.models import Role
from rrcase.access.roles import PERSON_READ_ROLES, PERSON_WRITE_ROLES
from rrcase.access.selectors import agency_of, role_of
from rrcase.audit.models import Action
from rrcase.audit.services import audit_record
from rrcase.dates import add_months

from .models import (
    BRAG_ORDER,
    PROVEN_OUTCOMES,
    ROSH_ORDER,
    BragChange,
    Cohort,
    CohortMembership,
    Contact,
    Disposal,
    Enforcement,
    Offence,
    OffenceCategory,
    OffenceOutcome,
    Person,
    PersonGroupObjectPermission,
    PersonUserObjectPermission,
    RiskAssessment,
    Rosh,
    SelectionMatrix,
    licence_follow_up_date,
)

VIEW = "view_person"
CHANGE = "change_person"


def _permission_id(codename: str) -> Subquery:
    # A scalar subquery the planner runs once (an InitPlan), so the grant lookup
    # below is a plain index probe on (group, permission, person) instead of a
    # join to auth_permission for every person row: about 3x faster at 250,000
    # people (docs/benchmarks.md).
    return Subquery(
        Permission.objects.filter(codename=codename, content_type__app_label="offenders").values(
            "id"
        )[:1]
    )


def _agency_grant(user: User | AnonymousUser, codename: str) -> Exists | None:
    agency = agency_of(user)
    if agency is None:
        return None
    return Exists(
        PersonGroupObjectPermission.objects.filter(
            group_id=agency.group_id,
            permission_id=_permission_id(codename),
            content_object=OuterRef("pk"),
        )
    )


def _named_on(user: User | AnonymousUser) -> Exists:
    return Exists(
        PersonUserObjectPermission.objects.filter(
            user_id=user.pk or 0,
            permission_id=_permission_id(VIEW),
            content_object=OuterRef("pk"),
        )
    )


def person_list_for(user: User | AnonymousUser) -> QuerySet[Person]:
    """The people this user may see. The only starting point for any page, API
    route or export that shows people."""
    grant = _agency_grant(user, VIEW)
    if grant is None or role_of(user) not in PERSON_READ_ROLES:
        return Person.objects.none()
    # The stored search vector is only ever filtered on, never shown.
    return (
        Person.objects.filter(grant)
        .filter(Q(restricted=False) | _named_on(user))
        .defer("search_vector")
    )


def person_visible_to(user: User | AnonymousUser, field: str = "person") -> Exists:
    """A filter for rows about people (referrals, agenda items, memberships):
    keeps those whose `field` is a person the user may see. Use it instead of
    `person__in=person_list_for(user)`, which PostgreSQL plans as a hash of
    everyone the user can see (~0.5 s at 250,000 people) however few rows
    are asked about; a correlated EXISTS probes the grant index per row."""
    return Exists(person_list_for(user).filter(pk=OuterRef(field)))


def person_restricted_hidden_count_for(user: User | AnonymousUser) -> int:
    """How many restricted records the user's agency is involved with but the
    user is not named on: shown as a count so people know to ask."""
    grant = _agency_grant(user, VIEW)
    if grant is None or role_of(user) not in PERSON_READ_ROLES:
        return 0
    return Person.objects.filter(grant, restricted=True).exclude(_named_on(user)).count()


def person_get_for(
    user: User | AnonymousUser, person_id: int, *, for_change: bool = False, audit: bool = True
) -> Person:
    """One person for a page, API call or export, or Http404 / PermissionDenied.

    Records a consultation (or, when refused, an access_denied event) in the
    audit trail, so callers cannot forget to. Loading for change is a
    consultation too: the form pages (edit, BRAG, record a contact, add a
    need…) show the name and reference (SECURITY.md "Audit"; the walk in
    tests/audit/test_consultation_walk.py). `audit=False` only where the caller
    records the consultation itself, with more detail."""
    person = (
        person_list_for(user)
        .select_related("lead_agency", "offender_manager", "police_spoc")
        .filter(pk=person_id)
        .first()
    )
    # Refusals with 403 are logged by rrcase.audit.denials for every view and
    # API route; 404s (not in scope) are logged here, where the person id is known.
    if person is None:
        if _in_scope_but_not_permitted(user, person_id):
            raise PermissionDenied(_why_hidden(user))
        _deny(user, person_id, reason="not visible to this user's agency")
        raise Http404("No such person.")
    if for_change and not person_may_change(user, person):
        raise PermissionDenied("You can read this record but not change it.")
    if audit:
        audit_record(
            action=Action.CONSULT,
            actor=user,
            obj=person,
            person_id=person.pk,
            details={"for_change": True} if for_change else None,
        )
    return person


def person_change_scope_for(user: User | AnonymousUser) -> QuerySet[Person]:
    """The people the user's agency may change: those it holds the change grant
    on, less restricted records the user is not named on. The one rule for who
    may write to a person: the edit pages (person_may_change, person_get_for
    with for_change) add the role check on top; a user's import
    (offenders.imports) filters the people its rows name through this, a batch
    at a time, and its role check is the Imports page's (IMPORT_ROLES)."""
    grant = _agency_grant(user, CHANGE)
    if grant is None:
        return Person.objects.none()
    return (
        Person.objects.filter(grant)
        .filter(Q(restricted=False) | _named_on(user))
        .defer("search_vector")
    )


def person_may_change(user: User | AnonymousUser, person: Person) -> bool:
    if role_of(user) not in PERSON_WRITE_ROLES:
        return False
    return person_change_scope_for(user).filter(pk=person.pk).exists()


def _in_scope_but_not_permitted(user: User | AnonymousUser, person_id: int) -> bool:
    """The agency is involved (so the record's existence is no secret to it) but
    this user may not open it: a restricted record, or a role without person access."""
    grant = _agency_grant(user, VIEW)
    if grant is None:
        return False
    return Person.objects.filter(pk=person_id).filter(grant).exists()


def _why_hidden(user: User | AnonymousUser) -> str:
    if role_of(user) not in PERSON_READ_ROLES:
        return "Your role sees figures, not people's records."
    return "This record is restricted to named staff. Ask the lead agency if you need it."


def _deny(user: User | AnonymousUser, person_id: int, *, reason: str) -> None:
    audit_record(
        action=Action.ACCESS_DENIED,
        actor=user,
        person_id=person_id,
        details={"object": "offenders.person", "reason": reason},
    )


def _visible_classes(user: User | AnonymousUser) -> frozenset[str]:
    from rrcase.access.selectors import visible_sensitivities

    return visible_sensitivities(agency_of(user))


def contact_list_for(user: User | AnonymousUser, person: Person) -> QuerySet[Contact]:
    """A person's contacts the user may see: only classes of information the
    sharing agreement gives the user's agency (police intelligence, health,
    MAPPA notes are absent, not blanked). `person` must come from person_get_for."""
    return (
        Contact.objects.filter(person=person, sensitivity__in=_visible_classes(user))
        .select_related("agency", "recorded_by")
        .order_by("-occurred_on", "-id")
    )


def enforcement_list_for(user: User | AnonymousUser, person: Person) -> QuerySet[Enforcement]:
    return (
        Enforcement.objects.filter(person=person, sensitivity__in=_visible_classes(user))
        .select_related("agency", "recorded_by")
        .order_by("-occurred_at", "-id")
    )


# ---------------------------------------------------------------------------
# The case list (/cases/): tabs, filters, search and sort over person_list_for.
# ---------------------------------------------------------------------------

CASE_TABS = {
    "caseload": "My caseload",
    "agency": "My agency",
    "all": "All I can see",
}

# The only orderings the list accepts (?sort=), each ending in the unique id so
# pages never overlap, and each readable off an index of Person so the first
# page costs the same at any size. Ascending means "most urgent first" for
# BRAG and RoSH. (Lead agency is a filter, not a sort: ordering by another
# table's column means sorting everyone visible, ~1 s at 250,000 people.)
CASE_SORTS: dict[str, tuple[Any, ...]] = {
    "name": (F("family_name"), F("given_name")),
    "reference": (F("reference"),),
    "brag": (BRAG_ORDER, F("family_name")),
    "rosh": (ROSH_ORDER, F("family_name")),
}


@dataclass(frozen=True)
class CaseFilters:
    cohorts: tuple[str, ...] = ()
    brag: tuple[str, ...] = ()
    rosh: tuple[str, ...] = ()
    mappa_levels: tuple[int, ...] = ()
    lead_agencies: tuple[int, ...] = ()
    offender_manager: str = ""  # a name, as typed: see staff_named
    alerts: tuple[str, ...] = ()
    release_28_days: bool = False


def search_query(term: str) -> SearchQuery | None:
    """Every word of the input as a prefix, all required: "jo smi" finds John
    Smith, "N1000" a reference, "12/34" a PNC ID. Only letters, digits and "/"
    survive, so nothing the user types is read as query syntax."""
    tokens = [t.strip("/") for t in re.findall(r"[\w/]+", term)]
    tokens = [t.lower() for t in tokens if t][:8]
    if not tokens:
        return None
    return SearchQuery(
        " & ".join(f"{token}:*" for token in tokens), search_type="raw", config="simple"
    )


def case_list_for(
    user: User | AnonymousUser,
    *,
    tab: str = "all",
    filters: CaseFilters | None = None,
    search: str = "",
    sort: str = "name",
    descending: bool = False,
    today: date | None = None,
) -> QuerySet[Person]:
    """The case list: people the user may see, narrowed by tab, filters and
    search, in a whitelisted order. Current cohorts come prefetched as
    `current_cohorts`, so a page costs the same queries at any size."""
    from . import alerts

    today = today or timezone.localdate()
    filters = filters or CaseFilters()
    people = person_list_for(user)
    if tab == "caseload":
        people = people.filter(Q(offender_manager_id=user.pk) | Q(police_spoc_id=user.pk))
    elif tab == "agency":
        agency = agency_of(user)
        people = people.filter(lead_agency_id=agency.pk if agency else 0)
    active = CohortMembership.objects.filter(
        Q(start_date__lte=today) & (Q(end_date__isnull=True) | Q(end_date__gte=today))
    )
    if filters.cohorts:
        people = people.filter(
            Exists(active.filter(person=OuterRef("pk"), cohort__in=filters.cohorts))
        )
    if filters.mappa_levels:
        people = people.filter(
            Exists(
                active.filter(
                    person=OuterRef("pk"), cohort=Cohort.MAPPA, mappa_level__in=filters.mappa_levels
                )
            )
        )
    if filters.brag:
        people = people.filter(brag__in=filters.brag)
    if filters.rosh:
        people = people.filter(rosh__in=filters.rosh)
    if filters.lead_agencies:
        people = people.filter(lead_agency_id__in=filters.lead_agencies)
    if filters.offender_manager:
        people = people.filter(offender_manager__in=staff_named(filters.offender_manager))
    for code in filters.alerts:
        people = people.filter(alerts.alert_condition(code, today))
    if filters.release_28_days:
        people = people.filter(alerts.release_within(today))
    query = search_query(search) if search else None
    if search and query is None:
        people = people.none()
    elif query is not None:
        people = people.filter(search_vector=query)
    keys = CASE_SORTS.get(sort, CASE_SORTS["name"])
    if query is not None:
        # Searching, the matches come from the search index and are few; an
        # ORDER BY that matches a btree index tempts the planner to walk that
        # index in order testing every row instead (1.2 s for a name late in
        # the alphabet at 250,000 people). The same keys, as expressions no
        # index holds, keep the order and leave the search index in charge.
        keys = tuple(
            Concat(key, Value(""), output_field=CharField())
            if isinstance(key, F)
            else ExpressionWrapper(key + Value(0), output_field=IntegerField())
            for key in keys
        )
    ordering = [key.desc() if descending else key.asc() for key in (*keys, F("id"))]
    return (
        people.select_related("lead_agency", "offender_manager")
        .prefetch_related(
            Prefetch(
                "cohort_memberships",
                queryset=active.order_by("cohort"),
                to_attr="current_cohorts",
            )
        )
        .order_by(*ordering)
    )


def staff_named(term: str) -> QuerySet[User]:
    """Staff whose first or last name starts with every word typed: "sam ash"
    finds Sam Ashby. A typed name rather than a list to pick from, because a
    national deployment has thousands of offender managers (a list of them
    would be most of the page) and a name reveals nothing the list does not."""
    words = re.findall(r"\w+", term)[:4]
    staff = get_user_model().objects.all()
    for word in words:
        staff = staff.filter(Q(first_name__istartswith=word) | Q(last_name__istartswith=word))
    return staff if words else staff.none()


FILTER_CHOICES_SECONDS = 300


def case_filter_choices_for(user: User | AnonymousUser) -> dict[str, list[tuple[str, str]]]:
    """Lead agencies to filter by: only those leading records the user can see,
    so the options reveal nothing more than the list.

    One probe per agency (a scalar subquery with LIMIT 1 stops at the first
    visible person; an EXISTS is planned as a join over every visible person,
    0.3 s at 250,000 people). Kept per user for five minutes: the options only
    offer filters, the list itself is always read live and scoped."""
    from rrcase.access.models import Agency

    key = f"case-filter-choices:{user.pk}"
    choices: dict[str, list[tuple[str, str]]] | None = cache.get(key)
    if choices is None:
        # Unordered: Person's default order would walk the name index to the end
        # for an agency with no visible people (1 s at 250,000 people).
        first_visible = (
            person_list_for(user).filter(lead_agency=OuterRef("pk")).order_by().values("pk")[:1]
        )
        agencies = (
            Agency.objects.annotate(first_visible=Subquery(first_visible))
            .filter(first_visible__isnull=False)
            .order_by("name")
        )
        choices = {"lead_agencies": [(str(a.pk), a.name) for a in agencies]}
        cache.set(key, choices, FILTER_CHOICES_SECONDS)
    return choices


# ---------------------------------------------------------------------------
# The person page. Every function takes a person already loaded (and audited)
# by person_get_for.
# ---------------------------------------------------------------------------


def current_memberships(person: Person, today: date) -> list[CohortMembership]:
    return list(
        CohortMembership.objects.filter(person=person, start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .order_by("cohort")
    )


@dataclass(frozen=True)
class ResetStatus:
    """Probation Reset (2024) for one licence or order (DOMAIN.md)."""

    disposal: Disposal
    two_thirds: date
    follow_up: date | None
    exempt_reasons: tuple[str, ...]

    @property
    def exempt(self) -> bool:
        return bool(self.exempt_reasons)


def reset_exemptions(person: Person, memberships: list[CohortMembership]) -> tuple[str, ...]:
    """What rrcase records that exempts a case from Probation Reset. National
    Security Division, child protection and Intensive Supervision Court cases
    are exempt too but not recorded here yet."""
    reasons = []
    if any(m.cohort == Cohort.MAPPA for m in memberships):
        reasons.append("MAPPA")
    if person.rosh == Rosh.VERY_HIGH:
        reasons.append("Very high RoSH")
    return tuple(reasons)


def probation_reset_for(
    person: Person, disposals: list[Disposal], memberships: list[CohortMembership], today: date
) -> list[ResetStatus]:
    exempt = reset_exemptions(person, memberships)
    statuses = []
    for disposal in disposals:
        ended = disposal.terminated_date is not None or (
            disposal.end_date is not None and disposal.end_date < today
        )
        two_thirds = disposal.two_thirds_date
        if two_thirds is None or ended:
            continue
        statuses.append(ResetStatus(disposal, two_thirds, licence_follow_up_date(disposal), exempt))
    return statuses


@dataclass(frozen=True)
class TimelineItem:
    kind: str
    at: datetime
    title: str
    text: str
    by: str


TIMELINE_KINDS = {
    "contact": "Contacts",
    "enforcement": "Enforcement",
    "brag": "BRAG changes",
    "cohort": "Cohort changes",
}


def _who(user: User | None, agency: Any = None) -> str:
    name = (user.get_full_name() or user.get_username()) if user is not None else ""
    if agency is not None:
        return f"{name}, {agency.name}" if name else agency.name
    return name


def person_timeline_for(
    user: User | AnonymousUser, person: Person, *, kinds: frozenset[str] | None = None
) -> list[TimelineItem]:
    """Contacts, enforcement, BRAG and cohort changes, newest first: one query
    per kind whatever the number of rows. Contacts and enforcement are
    filtered by the sharing agreement (contact_list_for, enforcement_list_for)."""
    kinds = kinds or frozenset(TIMELINE_KINDS)
    tz = timezone.get_current_timezone()
    items: list[TimelineItem] = []

    def day(d: date) -> datetime:
        return datetime.combine(d, time(12), tzinfo=tz)

    if "contact" in kinds:
        for contact in contact_list_for(user, person):
            text = [contact.get_outcome_display()] if contact.outcome else []
            if contact.drug_test_result:
                result = contact.get_drug_test_result_display()
                text.append(f"Drug test {result.lower()}")
                if contact.substances:
                    text.append(f"substances: {contact.substances}")
            if contact.notes:
                text.append(contact.notes)
            items.append(
                TimelineItem(
                    "contact",
                    day(contact.occurred_on),
                    contact.get_kind_display(),
                    ". ".join(text),
                    _who(contact.recorded_by, contact.agency),
                )
            )
    if "enforcement" in kinds:
        for enforcement in enforcement_list_for(user, person):
            note = enforcement.notes
            if enforcement.decision_at is not None:
                note = f"Decision at {timezone.localtime(enforcement.decision_at):%H:%M}. {note}"
            items.append(
                TimelineItem(
                    "enforcement",
                    enforcement.occurred_at,
                    enforcement.get_kind_display(),
                    note,
                    _who(enforcement.recorded_by, enforcement.agency),
                )
            )
    if "brag" in kinds:
        for change in BragChange.objects.filter(person=person).select_related("changed_by"):
            items.append(
                TimelineItem(
                    "brag",
                    change.changed_at,
                    f"BRAG changed to {change.get_status_display()}",
                    change.reason,
                    _who(change.changed_by),
                )
            )
    if "cohort" in kinds:
        for membership in CohortMembership.objects.filter(person=person).select_related(
            "created_by"
        ):
            name = membership.get_cohort_display()
            items.append(
                TimelineItem(
                    "cohort",
                    day(membership.start_date),
                    f"Adopted into {name}",
                    membership.selection_reason,
                    _who(membership.created_by),
                )
            )
            if membership.end_date is not None:
                items.append(
                    TimelineItem(
                        "cohort",
                        day(membership.end_date),
                        f"De-selected from {name}",
                        membership.deselection_reason,
                        "",
                    )
                )
    items.sort(key=lambda item: item.at, reverse=True)
    return items


@dataclass(frozen=True)
class Duplicates:
    pnc_match: Person | None  # visible to the user: link to it
    pnc_match_hidden: bool  # exists, but the user's agency has no access
    reference_taken: bool
    similar: list[Person]  # visible, same date of birth and a name in common


def person_duplicates_for(
    user: User | AnonymousUser,
    *,
    reference: str,
    pnc_id: str,
    given_name: str,
    family_name: str,
    date_of_birth: date,
) -> Duplicates:
    """Likely duplicates of a new person. PNC IDs and references are unique
    across the partnership, so those checks look at every record (saying only
    that a hidden one exists); similar names look only at visible records."""
    pnc_match = None
    pnc_hidden = False
    if pnc_id:
        pnc_match = person_list_for(user).filter(pnc_id__iexact=pnc_id).first()
        pnc_hidden = pnc_match is None and Person.objects.filter(pnc_id__iexact=pnc_id).exists()
    similar = list(
        person_list_for(user)
        .filter(date_of_birth=date_of_birth)
        .filter(
            Q(family_name__iexact=family_name.strip())
            | Q(given_name__iexact=given_name.strip())
            | Q(family_name__istartswith=family_name.strip()[:3])
        )
        .select_related("lead_agency")[:10]
    )
    return Duplicates(
        pnc_match=pnc_match,
        pnc_match_hidden=pnc_hidden,
        reference_taken=Person.objects.filter(reference__iexact=reference.strip()).exists(),
        similar=similar,
    )


def person_may_merge(user: User | AnonymousUser, person: Person) -> bool:
    """Agency admins merge duplicates into records their agency leads, from the
    person page. (System admins, who never see people, merge by reference:
    person_merge_pair_for.)"""
    agency = agency_of(user)
    return (
        role_of(user) == Role.AGENCY_ADMIN
        and agency is not None
        and (agency.pk == person.lead_agency_id)
    )


def person_get_for_merge(user: User | AnonymousUser, person_id: int) -> Person:
    """A person the user may merge a duplicate into, from its page: only the
    lead agency's admin. The page shows the person, so it loads like every
    person page: roles that never see people 403 whatever the id; an outsider
    agency 404; a restricted record the user is not named on 403; then 403 for
    anyone but the lead agency's admin. A consultation once allowed."""
    if role_of(user) not in PERSON_READ_ROLES:
        _deny(user, person_id, reason="role never sees people: merge by reference")
        raise PermissionDenied(
            "Your role cannot open people's records. Merge two records by their references."
        )
    person = person_get_for(user, person_id, audit=False)
    if not person_may_merge(user, person):
        _deny(user, person_id, reason="not the lead agency's administrator")
        raise PermissionDenied("Only the lead agency's administrator can merge this record.")
    audit_record(action=Action.CONSULT, actor=user, obj=person, person_id=person.pk)
    return person


MERGE_ROLES = frozenset({Role.AGENCY_ADMIN, Role.SYSTEM_ADMIN})


def _mergeable_for(user: User | AnonymousUser) -> QuerySet[Person]:
    """Records a user may name for a merge. An agency admin: those their agency
    leads and they may open. A system admin: any record by its reference, which
    they were given (never shown one), except a restricted one they are not
    named on, which its lead agency's admin merges."""
    role = role_of(user)
    if role == Role.SYSTEM_ADMIN:
        everyone = Person.objects.all()  # scoped: looked up by reference, never displayed
        return everyone.filter(Q(restricted=False) | _named_on(user))
    agency = agency_of(user)
    if role == Role.AGENCY_ADMIN and agency is not None:
        return person_list_for(user).filter(lead_agency_id=agency.pk)
    return Person.objects.none()


def person_merge_duplicate_for(
    user: User | AnonymousUser, *, reference: str, keep: Person
) -> Person | None:
    """The record an administrator names as the duplicate of `keep`, found
    among the records they may merge (so an existing reference they may not
    touch reads the same as one that does not exist)."""
    return (
        _mergeable_for(user)
        .filter(reference__iexact=reference.strip())
        .exclude(pk=keep.pk)
        .select_related("lead_agency")
        .first()
    )


def person_merge_pair_for(
    user: User | AnonymousUser, *, keep_reference: str, duplicate_reference: str
) -> tuple[Person | None, Person | None]:
    """The two records an administrator names by case reference for a merge,
    each None when it is not one they may merge (missing, another agency's,
    restricted without them): the answer is the same for each, so the lookup
    tells them nothing about records they may not touch. 403 for roles that
    do not merge."""
    if role_of(user) not in MERGE_ROLES:
        raise PermissionDenied("Only administrators merge records.")
    wanted = {keep_reference.strip().upper(), duplicate_reference.strip().upper()}
    found = {
        p.reference.upper(): p
        for p in _mergeable_for(user)
        .annotate(upper_reference=Upper("reference"))
        .filter(upper_reference__in=wanted)
    }
    return found.get(keep_reference.strip().upper()), found.get(duplicate_reference.strip().upper())


# ---------------------------------------------------------------------------
# Cohort selection: the PPO/IOM selection matrix, candidates and the ledger.
# ---------------------------------------------------------------------------


def selection_matrices() -> list[SelectionMatrix]:
    return list(SelectionMatrix.objects.prefetch_related("weights").order_by("cohort"))


def _offences_counted(matrix: SelectionMatrix, today: date, prefix: str = "") -> Q:
    since = add_months(today, -matrix.look_back_months)
    outcomes = [*PROVEN_OUTCOMES, *([OffenceOutcome.PENDING] if matrix.count_pending else [])]
    return Q(
        **{
            f"{prefix}offence_date__gte": since,
            f"{prefix}offence_date__lte": today,
            f"{prefix}outcome__in": outcomes,
        }
    )


def _weight_case(matrix: SelectionMatrix, prefix: str = "") -> Case:
    return Case(
        *[
            When(**{f"{prefix}category": w.category}, then=Value(w.weight))
            for w in matrix.weights.all()
        ],
        default=Value(matrix.default_weight),
        output_field=DecimalField(max_digits=9, decimal_places=2),
    )


def selection_candidates_for(
    user: User | AnonymousUser, matrix: SelectionMatrix, today: date | None = None
) -> QuerySet[Person]:
    """People the user can see whose weighted offending in the look-back window
    reaches the matrix threshold and who are not in the cohort now.

    Scores are aggregated over the window's offences on their own (grouped by
    person, kept when they reach the threshold) and only then matched to the
    people the user can see: joining every visible person to their offences
    first and grouping by the whole person row took 3 s at 250,000 people;
    this takes under 1 s, the window's aggregate being most of it."""
    today = today or timezone.localdate()
    in_cohort = CohortMembership.objects.filter(
        person=OuterRef("pk"), cohort=matrix.cohort, start_date__lte=today
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
    scores = (
        Offence.objects.filter(_offences_counted(matrix, today))
        .order_by()
        .values("person_id")
        .annotate(score=Sum(_weight_case(matrix)), n=Count("pk"))
        .filter(score__gte=matrix.threshold)
    )
    mine = scores.filter(person_id=OuterRef("pk"))
    return (
        person_list_for(user)
        .filter(pk__in=scores.values("person_id"))
        .exclude(Exists(in_cohort))
        .annotate(
            selection_score=Subquery(mine.values("score")),
            offence_count=Subquery(mine.values("n")),
        )
        .select_related("lead_agency")
        .order_by("-selection_score", "family_name", "id")
    )


def selection_breakdown(
    matrix: SelectionMatrix, person_ids: list[int], today: date | None = None
) -> dict[int, list[dict[str, Any]]]:
    """Per person: each offence category counted, its weight and points."""
    today = today or timezone.localdate()
    weights = {w.category: w.weight for w in matrix.weights.all()}
    labels = dict(OffenceCategory.choices)
    rows = (
        Offence.objects.filter(_offences_counted(matrix, today), person_id__in=person_ids)
        .values("person_id", "category")
        .annotate(n=Count("pk"))
        .order_by("person_id", "category")
    )
    out: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        weight = weights.get(row["category"], matrix.default_weight)
        out.setdefault(row["person_id"], []).append(
            {
                "category": labels.get(row["category"], row["category"]),
                "count": row["n"],
                "weight": weight,
                "points": weight * row["n"],
            }
        )
    for items in out.values():
        items.sort(key=lambda item: item["points"], reverse=True)
    return out


def selection_score_for(matrix: SelectionMatrix, person: Person, today: date | None = None) -> Any:
    today = today or timezone.localdate()
    return (
        Offence.objects.filter(_offences_counted(matrix, today), person=person).aggregate(
            score=Sum(_weight_case(matrix))
        )["score"]
        or 0
    )


def cohort_ledger_for(
    user: User | AnonymousUser, *, cohort: str | None, month: date
) -> dict[str, Any]:
    """Who joined and left the cohort(s) in a month, and why, over the people
    the user can see; with joiner and leaver counts for the 12 months to it."""
    first = month.replace(day=1)
    after = add_months(first, 1)
    memberships = CohortMembership.objects.filter(person_visible_to(user))
    if cohort:
        memberships = memberships.filter(cohort=cohort)
    joined = (
        memberships.filter(start_date__gte=first, start_date__lt=after)
        .select_related("person", "created_by")
        .order_by("start_date", "person__family_name")
    )
    left = (
        memberships.filter(end_date__gte=first, end_date__lt=after)
        .select_related("person")
        .order_by("end_date", "person__family_name")
    )
    since = add_months(first, -11)
    joins = dict(
        memberships.filter(start_date__gte=since, start_date__lt=after)
        .annotate(m=TruncMonth("start_date"))
        .values("m")
        .annotate(n=Count("pk"))
        .values_list("m", "n")
    )
    leaves = dict(
        memberships.filter(end_date__gte=since, end_date__lt=after)
        .annotate(m=TruncMonth("end_date"))
        .values("m")
        .annotate(n=Count("pk"))
        .values_list("m", "n")
    )
    months = [add_months(since, i) for i in range(12)]
    return {
        "joined": joined,
        "left": left,
        "months": [
            {"month": m, "joined": joins.get(m, 0), "left": leaves.get(m, 0)} for m in months
        ],
    }


def allocatable_staff(person: Person) -> dict[str, QuerySet[User]]:
    """Who may be allocated to a person: offender managers from the lead
    agency, police single points of contact from police agencies (practitioners
    and panel chairs, active accounts)."""
    from rrcase.access.models import AgencyKind

    staff = (
        get_user_model()
        .objects.filter(is_active=True, membership__role__in=PERSON_WRITE_ROLES)
        .select_related("membership__agency")
        .order_by("last_name", "first_name")
    )
    return {
        "offender_manager": staff.filter(membership__agency_id=person.lead_agency_id),
        "police_spoc": staff.filter(membership__agency__kind=AgencyKind.POLICE),
    }


# ---------------------------------------------------------------------------
# A person's own records. Each takes a person already loaded for this user with
# person_get_for, so the user's access has been checked (and audited) once.
# ---------------------------------------------------------------------------


def offence_list_for(user: User | AnonymousUser, person: Person) -> QuerySet[Offence]:
    return Offence.objects.filter(person=person).order_by("-offence_date", "-id")


def disposal_list_for(user: User | AnonymousUser, person: Person) -> QuerySet[Disposal]:
    return Disposal.objects.filter(person=person).order_by("-start_date", "-id")


def assessment_list_for(user: User | AnonymousUser, person: Person) -> QuerySet[RiskAssessment]:
    return RiskAssessment.objects.filter(person=person).order_by("-assessed_on", "-id")


def brag_latest_for(user: User | AnonymousUser, person: Person) -> BragChange | None:
    return BragChange.objects.filter(person=person).select_related("changed_by").first()


def person_current_for(user: User | AnonymousUser, person: Person) -> Person:
    """The record as it is now in the database (after someone else's edit)."""
    return Person.objects.select_related("lead_agency").get(pk=person.pk)
