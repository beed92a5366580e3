"""The appointment and diary pages, by persona: Rowan (probation, the
person's officer), Morgan (probation colleague), Jesse (police, not involved:
the outsider), Casey (housing, read-only through a referral), Harper
(probation's agency admin), Quinn (analyst)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from offenders import appointments_services as booking
from offenders import services
from offenders.models import (
    Appointment,
    AppointmentStatus,
    CalendarFeed,
    Contact,
    ContactKind,
    ContactOutcome,
    CustodyStatus,
)
from rrcase.audit.models import AuditEvent

from .conftest import user

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # Monday


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def form(day="8", month="12", year="2026", start="10:00", end="11:00", **extra):
    return {
        "kind": "appointment",
        "starts_on_day": day,
        "starts_on_month": month,
        "starts_on_year": year,
        "start_time": start,
        "end_time": end,
        "place": "Northbridge Probation Office, room 2",
        "officer": str(user("probation").pk),
        "joint_agency": "",
        "notes": "Bring proof of address",
        "sensitivity": "standard",
        **extra,
    }


def booked(person, *, days=1, hour=10, officer="probation", kind=ContactKind.APPOINTMENT):
    starts = (NOW + timedelta(days=days)).replace(hour=hour)
    return booking.appointment_book(
        person=person,
        kind=kind,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=45),
        place="Northbridge Probation Office",
        officer=user(officer),
        by=user(officer),
    )


def test_officer_books_from_the_person_page_and_sees_it_in_the_diary(sign_in, person):
    client = sign_in("probation")
    overview = client.get(reverse("offenders:person", args=[person.pk])).content.decode()
    assert reverse("diary:person-book", args=[person.pk]) in overview
    url = reverse("diary:person-book", args=[person.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, form())
    appointment = Appointment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("diary:appointment", args=[appointment.pk])
    page = client.get(response["Location"]).content.decode()
    assert "8 December 2026" in page
    assert "10:00 to 11:00" in page
    diary = client.get(reverse("diary:day") + "?date=2026-12-08").content.decode()
    assert "Jordan Whitfield" in diary
    assert "N900001" in diary
    assert "Northbridge Probation Office, room 2" in diary
    week = client.get(reverse("diary:week") + "?date=2026-12-09").content.decode()
    assert "Jordan Whitfield" in week
    assert "?date=2026-11-30" in week
    assert "?date=2026-12-14" in week
    listed = AuditEvent.objects.filter(action="consult", details__object="diary").last()
    assert listed.details["people"] == [person.pk]
    overview = client.get(reverse("offenders:person", args=[person.pk])).content.decode()
    assert "Tuesday 8 December 2026, 10:00" in overview


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"day": "4"}, "to log something that has happened, record a contact instead"),
        ({"start": "11:00", "end": "10:30"}, "The end time must be after the start time"),
        ({"start": "25:00"}, "Enter the start time as hours and minutes"),
        ({"place": ""}, "Enter where the appointment is"),
        ({"kind": "joint_home_visit"}, "Select the agency joining the visit"),
    ],
)
def test_bad_bookings_get_a_govuk_error_and_save_nothing(sign_in, person, changes, error):
    client = sign_in("probation")
    data = form(**{k: v for k, v in changes.items() if k in ("day", "start", "end")})
    data.update({k: v for k, v in changes.items() if k in ("place", "kind")})
    response = client.post(reverse("diary:person-book", args=[person.pk]), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert error in page
    assert not Appointment.objects.exists()


def test_person_in_custody_gets_a_clear_error_for_a_home_visit(sign_in, person):
    services.person_update(
        person=person,
        version=person.version,
        by=user("probation"),
        custody_status=CustodyStatus.IN_CUSTODY,
        prison="HMP Northbridge",
    )
    client = sign_in("probation")
    url = reverse("diary:person-book", args=[person.pk])
    assert "only prison visits and phone calls" in client.get(url).content.decode()
    page = client.post(url, form(kind="home_visit")).content.decode()
    assert "is in custody (HMP Northbridge): book a prison visit or a phone call" in page
    assert not Appointment.objects.exists()
    assert client.post(url, form(kind="prison_visit")).status_code == 302


def test_a_clash_warns_first_and_books_when_confirmed(sign_in, person):
    booked(person, days=1, hour=10)
    client = sign_in("probation")
    url = reverse("diary:person-book", args=[person.pk])
    first = client.post(url, form(start="10:30", end="11:30"))
    page = first.content.decode()
    assert first.status_code == 200
    assert "already has 1 appointment at this time" in page
    assert Appointment.objects.count() == 1
    confirm = first.context["form"].data["clash_confirmed"]
    second = client.post(url, form(start="10:30", end="11:30", clash_confirmed=confirm))
    assert second.status_code == 302
    assert Appointment.objects.count() == 2


def test_outsider_gets_404_and_read_only_403_and_nothing_is_booked(sign_in, shared_with_housing):
    person = shared_with_housing
    appointment = booked(person)
    url = reverse("diary:person-book", args=[person.pk])
    police = sign_in("police")
    assert police.get(url).status_code == 404
    assert police.post(url, form()).status_code == 404
    assert police.get(reverse("diary:appointment", args=[appointment.pk])).status_code == 404
    housing = sign_in("housing")
    assert housing.get(url).status_code == 403
    assert housing.post(url, form()).status_code == 403
    assert housing.get(reverse("diary:appointment", args=[appointment.pk])).status_code == 200
    cancel = reverse("diary:appointment-cancel", args=[appointment.pk])
    assert housing.post(cancel, {"version": 1, "reason": "x"}).status_code == 403
    assert Appointment.objects.get().status == AppointmentStatus.BOOKED
    assert Appointment.objects.count() == 1
    analyst = sign_in("analyst")
    assert analyst.get(reverse("diary:day")).status_code == 403


def test_booking_from_the_diary_by_case_reference(sign_in, person):
    client = sign_in("police")  # police cannot change a probation-led person
    page = client.post(
        reverse("diary:book"),
        {**form(officer=str(user("police").pk)), "reference": "N900001"},
    ).content.decode()
    assert "There is no person with this case reference whose record you can change" in page
    client = sign_in("probation")
    response = client.post(reverse("diary:book"), {**form(), "reference": "n900001"})
    assert response.status_code == 302
    assert Appointment.objects.get().person == person


def test_logging_the_second_unacceptable_absence_prompts_prefilled_enforcement(
    sign_in, person, clock
):
    services.contact_record(
        person=person,
        kind=ContactKind.APPOINTMENT,
        occurred_on=date(2026, 10, 1),
        outcome=ContactOutcome.MISSED_UNACCEPTABLE,
        by=user("probation"),
    )
    appointment = booked(person, days=0, hour=10)
    clock.move_to(NOW.replace(hour=12))
    client = sign_in("probation")
    outcomes = client.get(reverse("diary:outcomes")).content.decode()
    assert "1 appointment without an outcome" in outcomes
    url = reverse("diary:appointment-outcome", args=[appointment.pk])
    missing = client.post(url, {"version": appointment.version, "outcome": "acceptable_absence"})
    assert "Enter the reason the absence is acceptable" in missing.content.decode()
    response = client.post(url, {"version": appointment.version, "outcome": "unacceptable_absence"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "2 unacceptable absences in 12 months: consider enforcement" in page
    contact = Contact.objects.get(appointment=appointment)
    assert contact.outcome == ContactOutcome.MISSED_UNACCEPTABLE
    link = reverse("offenders:enforcement-record", args=[person.pk])
    assert f"{link}?kind=warning_letter&amp;from_appointment={appointment.pk}" in page
    enforcement = client.get(f"{link}?from_appointment={appointment.pk}").content.decode()
    assert "1 October 2026, 7 December 2026" in enforcement
    assert 'value="warning_letter" checked' in enforcement or (
        'checked value="warning_letter"' in enforcement
    )
    # Logged: no longer to log, and a second submit says what happened.
    assert "Nothing to log" in client.get(reverse("diary:outcomes")).content.decode()
    again = client.post(url, {"version": appointment.version, "outcome": "attended"})
    assert "no longer booked" in again.content.decode()


def test_reschedule_and_cancel_pages(sign_in, person):
    appointment = booked(person)
    client = sign_in("probation2")
    url = reverse("diary:appointment-reschedule", args=[appointment.pk])
    page = client.get(url).content.decode()
    assert 'value="Northbridge Probation Office"' in page
    response = client.post(
        url,
        {
            "version": appointment.version,
            "starts_on_day": "9",
            "starts_on_month": "12",
            "starts_on_year": "2026",
            "start_time": "14:00",
            "end_time": "14:30",
            "place": "Northbridge Probation Office",
            "reason": "Person starts work on Tuesday",
        },
    )
    moved = Appointment.objects.get(status=AppointmentStatus.BOOKED)
    assert response["Location"] == reverse("diary:appointment", args=[moved.pk])
    detail = client.get(response["Location"]).content.decode()
    assert "Earlier bookings" in detail
    assert "Person starts work on Tuesday" in detail
    stale = client.post(
        reverse("diary:appointment-cancel", args=[moved.pk]),
        {"version": moved.version + 5, "reason": "Order revoked"},
    )
    assert "Someone else changed this appointment" in stale.content.decode()
    client.post(
        reverse("diary:appointment-cancel", args=[moved.pk]),
        {"version": moved.version, "reason": "Order revoked"},
    )
    moved.refresh_from_db()
    assert moved.status == AppointmentStatus.CANCELLED


def test_team_diary_is_for_agency_admins_and_shows_their_agency_only(sign_in, person):
    booked(person, officer="probation", hour=10)
    booked(person, officer="probation2", hour=14)
    assert sign_in("probation").get(reverse("diary:team-week")).status_code == 403
    admin = sign_in("probation-admin")
    page = admin.get(reverse("diary:team-week")).content.decode()
    assert "Rowan Ashdown" in page
    assert "Morgan Ellery" in page
    day = admin.get(reverse("diary:team-day") + "?date=2026-12-08").content.decode()
    assert day.count(">Jordan Whitfield</a>") == 2


def test_diary_query_count_does_not_grow_with_appointments(
    sign_in, make_person, django_assert_max_num_queries
):
    """Guards the diary against an N+1 on people, officers or agencies per row."""
    people = [make_person() for _ in range(8)]
    client = sign_in("probation")

    def week_queries() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("diary:week")).status_code == 200
        return len(captured)

    booked(people[0], days=1, hour=9)
    small = week_queries()
    for n, someone in enumerate(people * 3):
        booked(someone, days=1 + n % 5, hour=8 + n % 9)
    assert week_queries() == small
    with django_assert_max_num_queries(small):
        client.get(reverse("diary:day") + "?date=2026-12-08")
    with django_assert_max_num_queries(small):
        client.get(reverse("diary:outcomes"))


def test_calendar_feed_shows_kind_times_place_and_link_never_names_or_references(
    sign_in, person, client
):
    """SECURITY.md "What leaves the service": times, places and a link only."""
    appointment = booked(person, kind=ContactKind.HOME_VISIT)
    signed_in = sign_in("probation")
    page = signed_in.post(reverse("diary:calendar-feed"), {"action": "create"}).content.decode()
    assert "Copy it now: it is shown only once" in page
    token = page.split("/diary/feed/")[1].split(".ics")[0]
    feed_url = reverse("diary:calendar-feed-ics", args=[token])
    assert CalendarFeed.objects.get().token_hash != token  # only a hash is kept
    signed_in.post(reverse("core:sign-out"))
    response = client.get(feed_url)  # a calendar app: no session
    body = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert "SUMMARY:Home visit\r\n" in body
    assert "Northbridge Probation Office" in body
    assert "DTSTART:20261208T100000Z" in body
    assert f"/appointments/{appointment.pk}/" in body  # the link back, sign-in needed
    private = ("N900001", "12/345678A", "Jordan", "Whitfield", "Rowan", "Ashdown")
    for value in (*private, appointment.notes or "Bring"):
        assert value not in body
    disclosed = AuditEvent.objects.filter(action="disclose", recipient="calendar feed").get()
    assert disclosed.details["people"] == [person.pk]
    assert client.get(reverse("diary:calendar-feed-ics", args=["not-a-token"])).status_code == 404
    again = sign_in("probation")
    again.post(reverse("diary:calendar-feed"), {"action": "revoke"})
    assert client.get(feed_url).status_code == 404
