"""Alerts: the operational rules in DOMAIN.md as set-based conditions on Person.

Each rule is a conditional expression (Exists / lookups over subqueries) built
for a given day, so the same definition:

- filters the case list (``Person.objects.filter(alert_condition(code, today))``),
- shows one person's alerts (one query: every rule annotated as a boolean),
- and writes the daily snapshot (one INSERT … SELECT-shaped query per rule).

No rule loops over people in Python. Windows are [a, b) as DOMAIN.md defines.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.lookups import GreaterThanOrEqual

from rrcase.dates import add_months

from .models import (
    AccommodationStatus,
    BragChange,
    Cohort,
    CohortMembership,
    Contact,
    ContactKind,
    ContactOutcome,
    CustodyStatus,
    Disposal,
    DisposalType,
    Person,
    Rosh,
)

WINDOW_DAYS = 28
JOINT_VISIT_DAYS = 5
NO_CONTACT_MONTHS = 3
# The panels where a person's risk is managed (DOMAIN.md "Operational rules").
RISK_MANAGEMENT_COHORTS = (Cohort.IOM, Cohort.SGV, Cohort.MAPPA, Cohort.DIP, Cohort.ASB)
ORDER_TYPES = (DisposalType.COMMUNITY_ORDER, DisposalType.SUSPENDED_SENTENCE_ORDER)
SUPERVISION_TYPES = (DisposalType.LICENCE, *ORDER_TYPES)
# Contacts that are appointments the person is expected to keep.
APPOINTMENT_KINDS = (
    ContactKind.APPOINTMENT,
    ContactKind.HOME_VISIT,
    ContactKind.JOINT_HOME_VISIT,
    ContactKind.DRUG_TEST,
)
MISSED = (ContactOutcome.MISSED_ACCEPTABLE, ContactOutcome.MISSED_UNACCEPTABLE)


class PlusOneMonth(Func):
    """date + 1 month, clamped to the end of a shorter month, as PostgreSQL's
    interval arithmetic does (matching rrcase.dates.add_months)."""

    template = "((%(expressions)s) + interval '1 month')::date"
    output_field = DateField()


class TwoThirdsDate(Func):
    """start + (2 * (end - start)) // 3 days: Disposal.two_thirds_date in SQL."""

    output_field = DateField()

    def as_sql(  # type: ignore[override]
        self, compiler: Any, connection: Any, **extra: Any
    ) -> tuple[str, list[Any]]:
        start_sql, start_params = compiler.compile(self.source_expressions[0])
        end_sql, end_params = compiler.compile(self.source_expressions[1])
        sql = f"({start_sql} + ((2 * ({end_sql} - {start_sql})) / 3))"
        return sql, [*start_params, *end_params, *start_params]


def _active_on(today: date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}start_date__lte": today}) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": today})
    )


def _active_order(today: date) -> Q:
    """A supervised licence or order that has not ended."""
    return Q(type__in=SUPERVISION_TYPES, start_date__lte=today, terminated_date__isnull=True) & (
        Q(end_date__isnull=True) | Q(end_date__gte=today)
    )


def _release_or_start() -> Case:
    """The day someone comes under supervision in the community: release from
    custody, the start of a licence, or the start of a community order / SSO."""
    return Case(
        When(type=DisposalType.CUSTODY, then=F("release_date")),
        When(type__in=SUPERVISION_TYPES, then=F("start_date")),
        default=None,
        output_field=DateField(),
    )


def release_or_start_within(today: date, days: int = WINDOW_DAYS) -> Exists:
    return Exists(
        Disposal.objects.filter(person=OuterRef("pk"))
        .annotate(begins=_release_or_start())
        .filter(begins__gte=today, begins__lt=today + timedelta(days=days))
    )


def release_within(today: date, days: int = WINDOW_DAYS) -> Q:
    """Leaving custody in [today, today + days): the case-list filter."""
    end = today + timedelta(days=days)
    return Q(
        Exists(
            Disposal.objects.filter(
                person=OuterRef("pk"),
                type=DisposalType.CUSTODY,
                release_date__gte=today,
                release_date__lt=end,
            )
        )
    ) | Q(
        custody_status=CustodyStatus.IN_CUSTODY,
        expected_release_date__gte=today,
        expected_release_date__lt=end,
    )


def _recently_released(today: date) -> QuerySet[Disposal]:
    return Disposal.objects.filter(
        person=OuterRef("pk"),
        type=DisposalType.CUSTODY,
        release_date__gte=today - timedelta(days=WINDOW_DAYS),
        release_date__lte=today,
    )


def settled_accommodation(today: date) -> Q:
    """Whether the person has settled accommodation on `today`. The pathways
    accommodation history decides when the person has one: their latest
    accommodation outcome on or before today is settled (what
    pathways.selectors.accommodation_status_on reads, as an expression). With
    no history yet, the latest licence's accommodation at its end stands in."""
    from pathways.models import AccommodationOutcome, Outcome, OutcomeKind  # pathways reads us

    history = Outcome.objects.filter(
        person=OuterRef("pk"), kind=OutcomeKind.ACCOMMODATION, recorded_on__lte=today
    )
    newer = Outcome.objects.filter(
        person=OuterRef("person"), kind=OutcomeKind.ACCOMMODATION, recorded_on__lte=today
    ).filter(
        Q(recorded_on__gt=OuterRef("recorded_on"))
        | Q(recorded_on=OuterRef("recorded_on"), pk__gt=OuterRef("pk"))
    )
    latest_settled = history.filter(value=AccommodationOutcome.SETTLED).exclude(Exists(newer))
    later_licence = Disposal.objects.filter(
        person=OuterRef("person"), type=DisposalType.LICENCE, start_date__gt=OuterRef("start_date")
    )
    licence_settled = Disposal.objects.filter(
        person=OuterRef("pk"),
        type=DisposalType.LICENCE,
        accommodation_at_end=AccommodationStatus.SETTLED,
    ).exclude(Exists(later_licence))
    return Q(Exists(latest_settled)) | (~Q(Exists(history)) & Q(Exists(licence_settled)))


def released_without_accommodation(today: date) -> Q:
    return Q(Exists(_recently_released(today))) & ~settled_accommodation(today)


def no_joint_home_visit(today: date) -> Exists:
    """Released or started an order in the last 28 days, the 5-day window has
    closed, and no joint home visit took place in it."""
    visit = Contact.objects.filter(
        person=OuterRef("person"),
        kind=ContactKind.JOINT_HOME_VISIT,
        occurred_on__gte=OuterRef("begins"),
        occurred_on__lte=OuterRef("window_end"),
    ).exclude(outcome__in=MISSED)
    return Exists(
        Disposal.objects.filter(person=OuterRef("pk"))
        .annotate(begins=_release_or_start())
        .annotate(
            window_end=ExpressionWrapper(
                F("begins") + timedelta(days=JOINT_VISIT_DAYS), output_field=DateField()
            )
        )
        .filter(
            begins__gte=today - timedelta(days=WINDOW_DAYS),
            begins__lt=today - timedelta(days=JOINT_VISIT_DAYS),
        )
        .exclude(Exists(visit))
    )


def missed_in_first_month(today: date) -> Exists:
    """An active licence or order with two or more missed appointments (acceptable
    or not: any non-attendance) in [start, start + 1 month)."""
    missed = (
        Contact.objects.filter(
            person=OuterRef("person"),
            kind__in=APPOINTMENT_KINDS,
            outcome__in=MISSED,
            occurred_on__gte=OuterRef("start_date"),
            occurred_on__lt=PlusOneMonth(OuterRef("start_date")),
        )
        .order_by()
        .values("person")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Exists(
        Disposal.objects.filter(person=OuterRef("pk"))
        .filter(_active_order(today))
        .filter(GreaterThanOrEqual(Subquery(missed, output_field=IntegerField()), 2))
    )


def no_attended_contact(today: date) -> Q:
    """In IOM now, in the community, and no attended contact in the last 3 months."""
    since = add_months(today, -NO_CONTACT_MONTHS)
    in_iom = Exists(
        CohortMembership.objects.filter(person=OuterRef("pk"), cohort=Cohort.IOM).filter(
            _active_on(today)
        )
    )
    attended = Exists(
        Contact.objects.filter(
            person=OuterRef("pk"),
            outcome=ContactOutcome.ATTENDED,
            occurred_on__gte=since,
            occurred_on__lte=today,
        )
    )
    return Q(in_iom) & ~Q(attended) & ~Q(custody_status=CustodyStatus.IN_CUSTODY)


def reset_disposals(today: date, days: int = WINDOW_DAYS) -> QuerySet[Disposal]:
    """Active licences and orders with a RAR whose two-thirds date is within
    `days` or has passed (Probation Reset, DOMAIN.md)."""
    return (
        Disposal.objects.filter(_active_order(today), end_date__isnull=False)
        .filter(Q(type=DisposalType.LICENCE) | Q(type__in=ORDER_TYPES, has_rar=True))
        .annotate(two_thirds=TwoThirdsDate(F("start_date"), F("end_date")))
        .filter(two_thirds__lt=today + timedelta(days=days))
    )


def probation_reset_due(today: date) -> Exists:
    return Exists(reset_disposals(today).filter(person=OuterRef("pk")))


def reset_exempt(today: date) -> Q:
    """Exempt from Probation Reset on what rrcase records: MAPPA of any category
    or level, or very high RoSH. (National Security Division, active child
    protection and Intensive Supervision Court are not recorded yet.)"""
    in_mappa = Exists(
        CohortMembership.objects.filter(person=OuterRef("pk"), cohort=Cohort.MAPPA).filter(
            _active_on(today)
        )
    )
    return Q(in_mappa) | Q(rosh=Rosh.VERY_HIGH)


def mappa_reviewed_since(since: date) -> Q:
    """HOOK for the panels app: "had a MAPPA review on or after `since`".

    Until panels record MAPPA meetings, a review is the membership's start or
    a BRAG change (both are recorded decisions about the case). Replace with an
    Exists over MAPPA panel reviews when they land."""
    return Q(
        Exists(BragChange.objects.filter(person=OuterRef("person"), changed_at__date__gte=since))
    ) | Q(start_date__gte=since)


def mappa_review_overdue(today: date) -> Exists:
    weeks: dict[int, int] = settings.MAPPA_REVIEW_WEEKS
    overdue = Q()
    for level, every in weeks.items():
        since = today - timedelta(weeks=every)
        overdue |= Q(mappa_level=level) & ~mappa_reviewed_since(since)
    return Exists(
        CohortMembership.objects.filter(person=OuterRef("pk"), cohort=Cohort.MAPPA)
        .filter(_active_on(today))
        .filter(overdue)
    )


def multiple_risk_cohorts(today: date) -> Exists:
    other = (
        CohortMembership.objects.filter(
            person=OuterRef("person"), cohort__in=RISK_MANAGEMENT_COHORTS
        )
        .filter(_active_on(today))
        .exclude(cohort=OuterRef("cohort"))
    )
    return Exists(
        CohortMembership.objects.filter(person=OuterRef("pk"), cohort__in=RISK_MANAGEMENT_COHORTS)
        .filter(_active_on(today))
        .filter(Exists(other))
    )


@dataclass(frozen=True)
class AlertRule:
    code: str
    label: str
    condition: Callable[[date], Any]


RULES: tuple[AlertRule, ...] = (
    AlertRule(
        "release_soon",
        "Released or starting an order in the next 28 days",
        release_or_start_within,
    ),
    AlertRule(
        "no_accommodation",
        "Released in the last 28 days without settled accommodation",
        released_without_accommodation,
    ),
    AlertRule(
        "no_joint_visit",
        "No joint home visit within 5 days of release or start of order",
        no_joint_home_visit,
    ),
    AlertRule(
        "missed_first_month",
        "2 or more missed appointments in the first month of an order",
        missed_in_first_month,
    ),
    AlertRule("no_contact_3m", "IOM: no attended contact for 3 months", no_attended_contact),
    AlertRule(
        "probation_reset",
        "Probation Reset: two-thirds point within 28 days or passed",
        probation_reset_due,
    ),
    AlertRule("mappa_review", "MAPPA review overdue", mappa_review_overdue),
    AlertRule(
        "multiple_cohorts",
        "In 2 or more risk-management cohorts: agree who leads",
        multiple_risk_cohorts,
    ),
)
RULES_BY_CODE = {rule.code: rule for rule in RULES}
ALERT_CHOICES = [(rule.code, rule.label) for rule in RULES]


def alert_condition(code: str, today: date) -> Q:
    """The rule as a filter on Person. Unknown codes raise KeyError."""
    return Q(RULES_BY_CODE[code].condition(today))


# Stands for the person's id in the cached SQL below; no row has a negative id.
_PERSON_PLACEHOLDER = -918_273_645


@lru_cache(maxsize=4)
def _alerts_sql(today: date, _mappa_weeks: tuple[Any, ...]) -> tuple[str, tuple[Any, ...]]:
    """The one query that evaluates every rule for one person. Building it
    from the rules' expressions costs more Python than the query costs
    PostgreSQL (about 8 ms a person page), and it changes only with the date:
    so it is built once a day per process and run with the person's id.
    The MAPPA review setting is part of the key so a changed setting is seen."""
    query = (
        Person.objects.filter(pk=_PERSON_PLACEHOLDER)
        .annotate(
            **{
                f"alert_{rule.code}": ExpressionWrapper(
                    Q(rule.condition(today)), output_field=BooleanField()
                )
                for rule in RULES
            }
        )
        .values(*[f"alert_{rule.code}" for rule in RULES])
    )
    sql, params = query.query.sql_with_params()
    return sql, tuple(params)


def alerts_for(person_id: int, today: date) -> list[AlertRule]:
    """The alerts one person has today, in one query."""
    sql, params = _alerts_sql(today, tuple(sorted(settings.MAPPA_REVIEW_WEEKS.items())))
    with connection.cursor() as cursor:
        cursor.execute(sql, [person_id if p == _PERSON_PLACEHOLDER else p for p in params])
        flags = cursor.fetchone()
    if flags is None:
        return []
    return [rule for rule, flag in zip(RULES, flags, strict=True) if flag]


def people_with_alert(code: str, today: date) -> QuerySet[Person]:
    """Every person with the alert today (unscoped: for the snapshot task only)."""
    return Person.objects.filter(alert_condition(code, today))
