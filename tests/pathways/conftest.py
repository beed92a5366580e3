"""Pathways fixtures: the demo borough, a person led by probation, a need and
services at a partner agency (housing) and at an outside organisation."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import User

from offenders import services as offender_services
from pathways import services
from pathways.models import NeedType, Pathway, Provider, Service
from rrcase.access.models import Agency


def user(username: str) -> User:
    return User.objects.get(username=username)


def agency(code: str) -> Agency:
    return Agency.objects.get(code=code)


@pytest.fixture
def person(borough):
    return offender_services.person_create(
        reference="P000001",
        given_name="Dale",
        family_name="Testperson",
        date_of_birth=date(1988, 3, 9),
        lead_agency=agency("probation"),
        by=None,
    )


@pytest.fixture
def accommodation():
    return Pathway.objects.get(code="accommodation")


@pytest.fixture
def nfa(accommodation):
    return NeedType.objects.get(pathway=accommodation, code="nfa")


@pytest.fixture
def cas3(accommodation, nfa):
    provider = Provider.objects.create(name="Northbridge Homes", agency=agency("housing"))
    service = Service.objects.create(
        provider=provider,
        pathway=accommodation,
        name="CAS3 temporary accommodation",
        capacity=2,
        response_target_hours=48,
    )
    service.need_types.add(nfa)
    return service


@pytest.fixture
def outside_service(accommodation):
    provider = Provider.objects.create(name="Shelter Northbridge")
    return Service.objects.create(
        provider=provider, pathway=accommodation, name="Housing advice", response_target_hours=120
    )


@pytest.fixture
def need(person, nfa):
    return services.need_record(person=person, need_type=nfa, by=user("probation"))


@pytest.fixture
def referral(need, cas3):
    return services.referral_create(
        need=need, service=cas3, reason="Released with nowhere to go", by=user("probation")
    )
