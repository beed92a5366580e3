"""People for the page tests: a probation-led person, with the personas of
tests/conftest.py acting on them."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import User

from offenders import services
from offenders.models import InvolvementReason, Person
from rrcase.access.models import Agency


@pytest.fixture
def probation(borough) -> Agency:
    return Agency.objects.get(code="probation")


@pytest.fixture
def make_person(borough):
    """Add a person led by an agency (probation by default), as the service does."""
    counter = {"n": 0}

    def _make(**fields) -> Person:
        counter["n"] += 1
        n = counter["n"]
        lead = fields.pop("lead_agency", None) or Agency.objects.get(code="probation")
        return services.person_create(
            reference=fields.pop("reference", f"T{n:06d}"),
            given_name=fields.pop("given_name", "Test"),
            family_name=fields.pop("family_name", f"Person{n}"),
            date_of_birth=fields.pop("date_of_birth", date(1990, 6, 16)),
            lead_agency=lead,
            by=None,
            **fields,
        )

    return _make


@pytest.fixture
def person(make_person) -> Person:
    return make_person(
        reference="N900001",
        given_name="Jordan",
        family_name="Whitfield",
        pnc_id="12/345678A",
        date_of_birth=date(1990, 6, 16),
    )


@pytest.fixture
def shared_with_housing(person) -> Person:
    """Housing can read (a referral) but not change the person: the read-only persona."""
    services.involvement_start(
        person=person,
        agency=Agency.objects.get(code="housing"),
        reason=InvolvementReason.REFERRAL,
        source="referral:1",
        by=None,
    )
    return person


def user(username: str) -> User:
    return User.objects.get(username=username)
