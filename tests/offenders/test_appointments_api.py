"""Appointments in the REST API: list, read, book, reschedule, cancel, record
the outcome; scoped like contacts; bad input a 400 naming the field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command

from offenders import appointments_services as booking
from offenders.models import Appointment, AppointmentStatus, Contact, ContactKind
from rrcase.audit.models import AuditEvent

from .conftest import user

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
URL = "/api/v1/appointments/"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def body(who, **changes):
    return {
        "person": who.pk,
        "kind": "home_visit",
        "starts_at": "2026-12-08T10:00:00Z",
        "ends_at": "2026-12-08T11:00:00Z",
        "place": "Home address",
        **changes,
    }


def booked(person, hour=10, officer="probation"):
    starts = NOW.replace(hour=hour) + timedelta(days=1)
    return booking.appointment_book(
        person=person,
        kind=ContactKind.APPOINTMENT,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        place="Office",
        officer=user(officer),
        by=user(officer),
    )


def test_book_list_reschedule_and_log_the_outcome(sign_in, person, clock):
    client = sign_in("probation")
    created = client.post(URL, body(person), content_type="application/json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["officer"] == "probation"
    assert data["status"] == "booked"
    assert data["clashes"] == []
    clash = client.post(
        URL,
        body(person, starts_at="2026-12-08T10:30:00Z", ends_at="2026-12-08T11:30:00Z"),
        content_type="application/json",
    )
    assert clash.status_code == 201
    assert clash.json()["clashes"] == [data["id"]]  # warned, allowed
    listed = client.get(URL + "?mine=true").json()
    assert listed["count"] == 2
    moved = client.post(
        f"{URL}{data['id']}/reschedule/",
        {
            "version": data["version"],
            "starts_at": "2026-12-09T09:00:00Z",
            "ends_at": "2026-12-09T09:30:00Z",
            "reason": "Clash",
        },
        content_type="application/json",
    )
    assert moved.status_code == 201, moved.content
    assert moved.json()["rescheduled_from"] == data["id"]
    stale = client.post(
        f"{URL}{data['id']}/cancel/",
        {"version": data["version"], "reason": "x"},
        content_type="application/json",
    )
    assert stale.status_code == 400  # no longer booked, said so
    assert "no longer booked" in stale.json()["non_field_errors"][0]
    clock.move_to(datetime(2026, 12, 9, 10, tzinfo=UTC))
    client = sign_in("probation")  # two days on: a new session
    new = moved.json()
    logged = client.post(
        f"{URL}{new['id']}/outcome/",
        {"version": new["version"], "outcome": "attended"},
        content_type="application/json",
    )
    assert logged.status_code == 200, logged.content
    assert logged.json()["consider_enforcement"] is False
    assert Contact.objects.get().outcome == "attended"
    assert client.get(f"{URL}{new['id']}/").json()["status"] == "done"
    assert AuditEvent.objects.filter(action="consult", details__api="appointments").exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"starts_at": "2026-12-06T10:00:00Z", "ends_at": "2026-12-06T11:00:00Z"}, "starts_on"),
        ({"ends_at": "2026-12-08T09:00:00Z"}, "end_time"),
        ({"kind": "note"}, "kind"),
        ({"officer": "police"}, "officer"),
        ({"kind": "joint_home_visit"}, "joint_agency"),
        ({"place": ""}, "place"),
        # Past PostgreSQL's bigint: was a 500 that aborted the transaction.
        ({"person": -13893449091051945984}, "person"),
        ({"person": 2**63}, "person"),
        ({"person": 0}, "person"),
    ],
)
def test_bad_bookings_are_a_400_naming_the_field_and_save_nothing(sign_in, person, changes, field):
    client = sign_in("probation")
    response = client.post(URL, body(person, **changes), content_type="application/json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Appointment.objects.exists()


def test_outsider_404_read_only_403_and_lists_are_scoped(sign_in, shared_with_housing):
    person = shared_with_housing
    appointment = booked(person)
    police = sign_in("police")
    assert police.get(URL).json()["count"] == 0
    assert police.get(f"{URL}{appointment.pk}/").status_code == 404
    assert police.post(URL, body(person), content_type="application/json").status_code == 404
    cancel = f"{URL}{appointment.pk}/cancel/"
    assert police.post(cancel, {"version": 1, "reason": "x"}).status_code == 404
    housing = sign_in("housing")
    assert housing.get(URL).json()["count"] == 1
    assert housing.post(URL, body(person), content_type="application/json").status_code == 403
    assert housing.post(cancel, {"version": 1, "reason": "x"}).status_code == 403
    assert Appointment.objects.get().status == AppointmentStatus.BOOKED


@pytest.mark.parametrize("version", [2, -918273645, 2**40])
def test_stale_version_is_a_409(sign_in, person, version):
    appointment = booked(person)
    response = sign_in("probation").post(
        f"{URL}{appointment.pk}/cancel/",
        {"version": version, "reason": "Order revoked"},
        content_type="application/json",
    )
    assert response.status_code == 409
    assert "changed" in response.json()["detail"]
    assert Appointment.objects.get().status == AppointmentStatus.BOOKED


def test_unknown_and_out_of_range_ids_are_404(sign_in, person):
    client = sign_in("probation")
    for path in ("1024/", "99999999999999999999/", "-1/", "abc/", "1.json"):
        assert client.get(URL + path).status_code == 404, path
        assert client.post(URL + path + "cancel/", {"version": 1, "reason": "x"}).status_code == 404


def test_not_yet_done_reads_outcome_blank_and_joint_agency_null(sign_in, person):
    """What the schema declares: outcome "" (in its enum) until recorded,
    joint_agency null unless a joint visit."""
    appointment = booked(person)
    data = sign_in("probation").get(f"{URL}{appointment.pk}/").json()
    assert data["outcome"] == ""
    assert data["joint_agency"] is None


@pytest.mark.parametrize("rows", [1, 20])
def test_list_query_count_does_not_grow(sign_in, make_person, django_assert_max_num_queries, rows):
    """Guards against N+1 on officer / agency per appointment."""
    for n in range(rows):
        booked(make_person(), hour=8 + n % 10)
    client = sign_in("probation")
    client.get(URL)
    with django_assert_max_num_queries(12):
        assert client.get(URL).status_code == 200


def test_the_schema_lists_the_appointment_routes(tmp_path: Path, borough):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    for path in (
        "/api/v1/appointments/",
        "/api/v1/appointments/{id}/",
        "/api/v1/appointments/{id}/reschedule/",
        "/api/v1/appointments/{id}/cancel/",
        "/api/v1/appointments/{id}/outcome/",
    ):
        assert f"  {path}:" in text
