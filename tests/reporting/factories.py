"""Small builders for KPI test data. Plain ORM rows: the engine reads tables,
so grants and audit rows would only slow the tests down."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

import factory

from offenders.models import (
    CohortMembership,
    Disposal,
    Gender,
    Offence,
    OffenceCategory,
    Person,
    RiskAssessment,
)
from rrcase.access.models import Agency, AgencyKind

_refs = itertools.count(1)


def d(text: str) -> date:
    return date.fromisoformat(text)


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("code",)

    code = "kpi-police"
    name = "KPI Test Police"
    kind = AgencyKind.POLICE
    group = factory.SubFactory(
        "tests.reporting.factories.GroupFactory", name=factory.SelfAttribute("..code")
    )


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "auth.Group"
        django_get_or_create = ("name",)

    name = "agency:kpi-police"


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    reference = factory.Sequence(lambda n: f"KPI{n:06d}")
    given_name = "Test"
    family_name = factory.Sequence(lambda n: f"Person{n}")
    date_of_birth = date(1990, 6, 15)
    gender = Gender.MALE
    lead_agency = factory.SubFactory(AgencyFactory)


def disposal(person: Person, type: str, start: str, **fields: object) -> Disposal:
    for name in ("release_date", "end_date", "terminated_date"):
        if isinstance(fields.get(name), str):
            fields[name] = d(str(fields[name]))
    return Disposal.objects.create(
        person=person, reference=f"D{next(_refs)}", type=type, start_date=d(start), **fields
    )


def offence(
    person: Person,
    offence_date: str,
    outcome: str = "conviction",
    outcome_date: str | None = None,
    category: str = OffenceCategory.OTHER_THEFT,
) -> Offence:
    if outcome_date is None and outcome in ("conviction", "caution"):
        outcome_date = offence_date
    return Offence.objects.create(
        person=person,
        reference=f"O{next(_refs)}",
        offence_date=d(offence_date),
        category=category,
        outcome=outcome,
        outcome_date=d(outcome_date) if outcome_date else None,
    )


def membership(person: Person, cohort: str, start: str, end: str | None = None) -> CohortMembership:
    return CohortMembership.objects.create(
        person=person, cohort=cohort, start_date=d(start), end_date=d(end) if end else None
    )


def assessment(
    person: Person,
    assessed_on: str,
    *,
    ogrs3_1y: int | None = None,
    predicted_3m: str | None = None,
) -> RiskAssessment:
    return RiskAssessment.objects.create(
        person=person,
        assessed_on=d(assessed_on),
        ogrs3_1y=ogrs3_1y,
        predicted_3m=Decimal(predicted_3m) if predicted_3m is not None else None,
    )
