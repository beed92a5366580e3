"""Panel fixtures: an IOM panel (police, probation, council; chaired by the
demo chair) and a MAPPA level 2 panel (MAPPA-class papers), over the demo
borough's personas. Housing sits on neither: the outsider."""

from __future__ import annotations

from datetime import date, time
from itertools import count

import pytest
from django.contrib.auth.models import User

from offenders import services as offender_services
from offenders.models import Person
from panels import services
from panels.models import PanelMeeting, PanelType
from rrcase.access.models import Agency, SharingRule

_refs = count(1)


def user(username: str) -> User:
    return User.objects.get(username=username)


def agency(code: str) -> Agency:
    return Agency.objects.get(code=code)


def make_person(lead: str = "probation", **fields) -> Person:
    n = next(_refs)
    return offender_services.person_create(
        reference=f"P{n:06d}",
        given_name=fields.pop("given_name", "Sam"),
        family_name=fields.pop("family_name", f"Person{n}"),
        date_of_birth=date(1990, 1, 1),
        lead_agency=agency(lead),
        by=None,
        **fields,
    )


@pytest.fixture
def sharing(borough):
    for kind in ("police", "probation", "prison"):
        SharingRule.objects.get_or_create(agency_kind=kind, sensitivity="mappa")
    SharingRule.objects.get_or_create(agency_kind="police", sensitivity="police_intelligence")


@pytest.fixture
def iom(borough, sharing) -> PanelType:
    panel = PanelType.objects.create(
        code="iom-main",
        name="IOM main panel",
        frequency="monthly",
        weekday=1,
        week_of_month=2,
        cadence_starts_on=date(2025, 1, 1),
        start_time=time(10, 0),
        location="Northbridge Civic Centre, Room 4",
        quorum=2,
        cohorts=["iom"],
        lead_priority=10,
    )
    panel.member_agencies.set([agency("police"), agency("probation"), agency("council")])
    panel.chairs.set([user("chair")])
    return panel


@pytest.fixture
def mappa2(borough, sharing) -> PanelType:
    panel = PanelType.objects.create(
        code="mappa-2",
        name="MAPPA level 2",
        frequency="monthly",
        weekday=3,
        week_of_month=1,
        cadence_starts_on=date(2025, 1, 1),
        start_time=time(14, 0),
        online_link="https://meet.example/mappa",
        quorum=2,
        cohorts=["mappa"],
        mappa_level=2,
        confidentiality="mappa",
        lead_priority=1,
    )
    panel.member_agencies.set(
        [agency("police"), agency("probation"), agency("prison"), agency("council")]
    )
    panel.chairs.set([user("probation")])
    return panel


def meeting_on(panel: PanelType, day: date, status: str = "scheduled") -> PanelMeeting:
    return PanelMeeting.objects.create(
        panel_type=panel, date=day, start_time=panel.start_time, location=panel.location,
        status=status,
    )  # fmt: skip


def in_iom(person: Person, start: date = date(2025, 1, 1)) -> None:
    offender_services.cohort_adopt(
        person=person, cohort="iom", start_date=start, reason="Selected", by=user("probation")
    )


def running(meeting: PanelMeeting) -> PanelMeeting:
    return services.meeting_start(meeting=meeting, by=user("chair"))
