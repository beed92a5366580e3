"""Filters for the API lists. Every choice a filter offers (people, agencies)
comes from what the acting user may see: a filter must not reveal, by
accepting or refusing a value, a record the user cannot open."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from offenders.models import (
    Brag,
    Cohort,
    CohortMembership,
    Contact,
    ContactKind,
    ContactOutcome,
    CustodyStatus,
    Disposal,
    DisposalType,
    Enforcement,
    EnforcementKind,
    Gender,
    Offence,
    OffenceCategory,
    OffenceOutcome,
    Person,
    RiskAssessment,
    Rosh,
)
from offenders.selectors import person_list_for
from rrcase.access.models import Agency


def visible_people(request: HttpRequest | None) -> QuerySet[Person]:
    if request is None:
        return Person.objects.none()  # scoped: no request, no one
    return person_list_for(request.user)


def visible_lead_agencies(request: HttpRequest | None) -> QuerySet[Agency]:
    """Agencies leading at least one person the user may see."""
    return Agency.objects.filter(led_people__in=visible_people(request)).distinct()


class ApiFilterSet(django_filters.FilterSet):
    """Every API filter set. A filter named in the query with no value
    (`?gender=`, `?offence_date_after=`) is a 400 naming it, as a value that
    is not one of its choices or not a date is: django-filter would otherwise
    drop it and answer as if it had not been asked, so a client's mistake
    would silently widen its results."""

    def is_valid(self) -> bool:
        valid = super().is_valid()
        for name, filter_ in self.filters.items():
            suffixes = getattr(filter_.field.widget, "suffixes", None) or [""]
            for suffix in suffixes:
                param = f"{name}_{suffix}" if suffix else name
                if param in self.data and not str(self.data.get(param, "")).strip():
                    self.form.add_error(
                        name if name in self.form.fields else None,
                        f"Give a value for {param}, or leave it out.",
                    )
                    valid = False
        return valid


class PersonFilter(ApiFilterSet):
    reference = django_filters.CharFilter(help_text="Exact case reference (CRN)")
    lead_agency = django_filters.ModelChoiceFilter(
        queryset=visible_lead_agencies, to_field_name="code", help_text="Agency code"
    )
    gender = django_filters.ChoiceFilter(choices=Gender.choices)
    brag = django_filters.ChoiceFilter(choices=Brag.choices)
    rosh = django_filters.ChoiceFilter(choices=Rosh.choices)
    custody_status = django_filters.ChoiceFilter(choices=CustodyStatus.choices)
    cohort = django_filters.ChoiceFilter(
        choices=Cohort.choices, method="in_cohort", help_text="In this cohort now (no end date)"
    )

    class Meta:
        model = Person
        fields = ["reference", "lead_agency", "gender", "brag", "rosh", "custody_status", "cohort"]

    def in_cohort(self, queryset: QuerySet[Person], name: str, value: Any) -> QuerySet[Person]:
        # Narrows the already scoped queryset: membership rows only select among it.
        current = queryset.filter(
            cohort_memberships__cohort=value, cohort_memberships__end_date=None
        ).values("pk")
        return queryset.filter(pk__in=current)


class _PersonRecordFilter(ApiFilterSet):
    person = django_filters.ModelChoiceFilter(queryset=visible_people, help_text="Person id")


class CohortMembershipFilter(_PersonRecordFilter):
    cohort = django_filters.ChoiceFilter(choices=Cohort.choices)
    active_on = django_filters.DateFilter(
        method="active_on_day", help_text="Memberships active on this date (YYYY-MM-DD)"
    )

    class Meta:
        model = CohortMembership
        fields = ["person", "cohort", "active_on"]

    def active_on_day(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        return queryset.filter(start_date__lte=value).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=value)
        )


class DisposalFilter(_PersonRecordFilter):
    type = django_filters.ChoiceFilter(choices=DisposalType.choices)
    start_date = django_filters.DateFromToRangeFilter()

    class Meta:
        model = Disposal
        fields = ["person", "type", "start_date"]


class OffenceFilter(_PersonRecordFilter):
    category = django_filters.ChoiceFilter(choices=OffenceCategory.choices)
    outcome = django_filters.ChoiceFilter(choices=OffenceOutcome.choices)
    offence_date = django_filters.DateFromToRangeFilter()

    class Meta:
        model = Offence
        fields = ["person", "category", "outcome", "offence_date"]


class ContactFilter(_PersonRecordFilter):
    kind = django_filters.ChoiceFilter(choices=ContactKind.choices)
    outcome = django_filters.ChoiceFilter(choices=ContactOutcome.choices)
    occurred_on = django_filters.DateFromToRangeFilter()

    class Meta:
        model = Contact
        fields = ["person", "kind", "outcome", "occurred_on"]


class AssessmentFilter(_PersonRecordFilter):
    rosh = django_filters.ChoiceFilter(choices=Rosh.choices)
    assessed_on = django_filters.DateFromToRangeFilter()

    class Meta:
        model = RiskAssessment
        fields = ["person", "rosh", "assessed_on"]


class EnforcementFilter(_PersonRecordFilter):
    kind = django_filters.ChoiceFilter(choices=EnforcementKind.choices)

    class Meta:
        model = Enforcement
        fields = ["person", "kind"]
