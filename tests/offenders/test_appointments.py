"""Appointments as services: booking rules, reschedule history, cancellation,
outcomes becoming contacts, and proof that a booking counts for nothing in
compliance, alerts or KPIs until its outcome is recorded."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import IntegrityError, transaction

from offenders import alerts, services
from offenders import appointments_selectors as diary
from offenders import appointments_services as booking
from offenders.models import (
    Appointment,
    AppointmentOutcome,
    AppointmentStatus,
    Cohort,
    Contact,
    ContactKind,
    ContactOutcome,
    CustodyStatus,
    Disposal,
    DisposalType,
)
from reporting.kpis.activity import compliance_and_enforcement
from reporting.kpis.common import Period
from rrcase.access.models import Agency
from rrcase.audit.models import AuditEvent

from .conftest import user

pytestmark = pytest.mark.django_db

# Monday 7 December 2026, 09:00 in London (GMT, so UTC too).
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def at(days: int, hour: int, minute: int = 0) -> datetime:
    return (NOW + timedelta(days=days)).replace(hour=hour, minute=minute)


def book(
    person, *, days=1, hour=10, minutes=60, kind=ContactKind.APPOINTMENT, by="probation", **kw
):
    officer = user(kw.pop("officer", by))
    return booking.appointment_book(
        person=person,
        kind=kind,
        starts_at=at(days, hour),
        ends_at=at(days, hour) + timedelta(minutes=minutes),
        place=kw.pop("place", "Northbridge Probation Office"),
        officer=officer,
        by=user(by),
        **kw,
    )


def test_booking_is_saved_and_audited_but_is_not_a_contact(clock, person):
    appointment = book(person)
    assert appointment.status == AppointmentStatus.BOOKED
    assert appointment.duration_minutes == 60
    assert not Contact.objects.filter(person=person).exists()
    event = AuditEvent.objects.filter(object_type="offenders.appointment").get()
    assert event.action == "collect"
    assert event.person_id == person.pk
    # The audit trail holds times and kind, not the place or notes.
    assert "Probation Office" not in str(event.details)


@pytest.mark.parametrize(
    ("starts", "ends", "field", "message"),
    [
        (at(-1, 10), at(-1, 11), "starts_on", "record a contact instead"),
        (at(1, 11), at(1, 10), "end_time", "end time must be after the start"),
        (at(1, 11), at(1, 11), "end_time", "end time must be after the start"),
    ],
)
def test_past_and_backwards_bookings_are_refused_and_nothing_is_saved(
    clock, person, starts, ends, field, message
):
    with pytest.raises(booking.AppointmentError, match=message) as refused:
        booking.appointment_book(
            person=person,
            kind=ContactKind.APPOINTMENT,
            starts_at=starts,
            ends_at=ends,
            place="Office",
            officer=user("probation"),
            by=user("probation"),
        )
    assert refused.value.field == field
    assert not Appointment.objects.exists()
    assert not AuditEvent.objects.filter(object_type="offenders.appointment").exists()


def test_the_database_refuses_an_end_before_the_start_too(clock, person):
    appointment = book(person)
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.filter(pk=appointment.pk).update(ends_at=appointment.starts_at)


def test_person_in_custody_can_only_have_prison_visits_or_calls(clock, person):
    services.person_update(
        person=person,
        version=person.version,
        by=user("probation"),
        custody_status=CustodyStatus.IN_CUSTODY,
        prison="HMP Northbridge",
    )
    person.refresh_from_db()
    with pytest.raises(booking.AppointmentError, match="in custody \\(HMP Northbridge\\)"):
        book(person, kind=ContactKind.HOME_VISIT)
    assert book(person, kind=ContactKind.PRISON_VISIT, place="HMP Northbridge visits hall")
    assert book(person, kind=ContactKind.PHONE, hour=14, place="Telephone")
    assert Appointment.objects.count() == 2


def test_officer_must_be_from_the_booking_agency_and_joint_visits_name_the_partner(clock, person):
    with pytest.raises(booking.AppointmentError, match="officer from your agency"):
        book(person, officer="police")
    with pytest.raises(booking.AppointmentError, match="agency joining"):
        book(person, kind=ContactKind.JOINT_HOME_VISIT)
    police = Agency.objects.get(code="police")
    visit = book(person, kind=ContactKind.JOINT_HOME_VISIT, joint_agency=police)
    assert visit.joint_agency == police
    assert visit.agency.code == "probation"


def test_clashes_are_found_for_the_same_officer_only_and_still_allowed(clock, person):
    first = book(person, hour=10, minutes=60)
    probation = user("probation")
    assert diary.clashes_for(probation, at(1, 10, 30), at(1, 11, 30)) == [first]
    assert diary.clashes_for(probation, at(1, 11), at(1, 12)) == []  # back to back is fine
    assert diary.clashes_for(user("probation2"), at(1, 10, 30), at(1, 11)) == []
    second = book(person, hour=10, minutes=30)  # a warning in the pages, never a refusal
    assert second.pk != first.pk


def test_reschedule_keeps_the_history_and_needs_a_reason_and_the_current_version(clock, person):
    original = book(person)
    with pytest.raises(booking.AppointmentError, match="why"):
        booking.appointment_reschedule(
            appointment=original,
            starts_at=at(2, 10),
            ends_at=at(2, 11),
            reason=" ",
            version=original.version,
            by=user("probation"),
        )
    with pytest.raises(services.StaleEdit):
        booking.appointment_reschedule(
            appointment=original,
            starts_at=at(2, 10),
            ends_at=at(2, 11),
            reason="Officer on training",
            version=original.version + 1,
            by=user("probation"),
        )
    moved = booking.appointment_reschedule(
        appointment=original,
        starts_at=at(2, 14),
        ends_at=at(2, 15),
        reason="Officer on training",
        version=original.version,
        by=user("probation2"),
    )
    original.refresh_from_db()
    assert original.status == AppointmentStatus.RESCHEDULED
    assert original.reason == "Officer on training"
    assert original.outcome == ""  # moved in advance: not an outcome
    assert moved.rescheduled_from == original
    assert moved.starts_at == at(2, 14)
    assert diary.appointment_history(moved) == [original]
    assert AuditEvent.objects.filter(object_type="offenders.appointment").count() == 3
    # The old one cannot be moved or cancelled again.
    with pytest.raises(booking.AppointmentError, match="no longer booked"):
        booking.appointment_cancel(
            appointment=original, reason="x", version=original.version, by=user("probation")
        )


def test_reschedule_after_its_time_is_the_outcome_rescheduled_by_us_and_makes_no_contact(
    clock, person
):
    appointment = book(person, days=0, hour=10)
    clock.move_to(at(0, 12))
    booking.appointment_reschedule(
        appointment=appointment,
        starts_at=at(1, 10),
        ends_at=at(1, 11),
        reason="Office closed",
        version=appointment.version,
        by=user("probation"),
    )
    appointment.refresh_from_db()
    assert appointment.outcome == AppointmentOutcome.RESCHEDULED_BY_US
    assert not Contact.objects.exists()


def test_cancel_needs_a_reason_and_makes_no_contact(clock, person):
    appointment = book(person)
    with pytest.raises(booking.AppointmentError, match="why"):
        booking.appointment_cancel(
            appointment=appointment, reason="", version=appointment.version, by=user("probation")
        )
    booking.appointment_cancel(
        appointment=appointment,
        reason="Order revoked",
        version=appointment.version,
        by=user("probation"),
    )
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    assert not Contact.objects.exists()


def test_outcome_cannot_be_logged_before_the_appointment_starts(clock, person):
    appointment = book(person)
    with pytest.raises(booking.AppointmentError, match="not started yet"):
        booking.appointment_outcome_record(
            appointment=appointment,
            outcome=AppointmentOutcome.ATTENDED,
            version=appointment.version,
            by=user("probation"),
        )
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED


@pytest.mark.parametrize(
    ("outcome", "contact_outcome"),
    [
        (AppointmentOutcome.ATTENDED, ContactOutcome.ATTENDED),
        (AppointmentOutcome.ACCEPTABLE_ABSENCE, ContactOutcome.MISSED_ACCEPTABLE),
        (AppointmentOutcome.UNACCEPTABLE_ABSENCE, ContactOutcome.MISSED_UNACCEPTABLE),
        (AppointmentOutcome.FAILED_TO_ATTEND, ContactOutcome.MISSED_UNACCEPTABLE),
    ],
)
def test_each_outcome_becomes_the_matching_contact(clock, person, outcome, contact_outcome):
    appointment = book(person, kind=ContactKind.HOME_VISIT)
    clock.move_to(at(1, 11))
    recorded = booking.appointment_outcome_record(
        appointment=appointment,
        outcome=outcome,
        reason="Hospital appointment, letter seen" if outcome == "acceptable_absence" else "",
        version=appointment.version,
        by=user("probation"),
    )
    contact = Contact.objects.get()
    assert recorded.contact == contact
    assert contact.outcome == contact_outcome
    assert contact.kind == ContactKind.HOME_VISIT
    assert contact.occurred_on == date(2026, 12, 8)
    assert contact.agency.code == "probation"
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.DONE
    assert appointment.contact == contact


def test_acceptable_absence_needs_its_reason_and_attended_drug_test_its_result(clock, person):
    absent = book(person)
    test = book(person, kind=ContactKind.DRUG_TEST, hour=14)
    clock.move_to(at(1, 16))
    with pytest.raises(booking.AppointmentError, match="reason the absence is acceptable"):
        booking.appointment_outcome_record(
            appointment=absent,
            outcome=AppointmentOutcome.ACCEPTABLE_ABSENCE,
            version=absent.version,
            by=user("probation"),
        )
    with pytest.raises(booking.AppointmentError, match="drug test result"):
        booking.appointment_outcome_record(
            appointment=test,
            outcome=AppointmentOutcome.ATTENDED,
            version=test.version,
            by=user("probation"),
        )
    assert not Contact.objects.exists()


def test_second_unacceptable_absence_in_12_months_prompts_enforcement(clock, person):
    services.contact_record(
        person=person,
        kind=ContactKind.APPOINTMENT,
        occurred_on=date(2026, 3, 1),
        outcome=ContactOutcome.MISSED_UNACCEPTABLE,
        by=user("probation"),
    )
    services.contact_record(  # over 12 months ago: does not count
        person=person,
        kind=ContactKind.APPOINTMENT,
        occurred_on=date(2025, 11, 1),
        outcome=ContactOutcome.MISSED_UNACCEPTABLE,
        by=user("probation"),
    )
    appointment = book(person)
    clock.move_to(at(1, 12))
    recorded = booking.appointment_outcome_record(
        appointment=appointment,
        outcome=AppointmentOutcome.FAILED_TO_ATTEND,
        version=appointment.version,
        by=user("probation"),
    )
    assert recorded.unacceptable_absences == 2
    assert recorded.consider_enforcement


# --- A booking counts for nothing until its outcome is recorded ---------------------


@pytest.fixture
def new_order(person):
    """A community order that started 3 days ago, with one missed appointment:
    one more missed appointment in its first month raises the alert."""
    Disposal.objects.create(
        person=person,
        reference="D-APPT-1",
        type=DisposalType.COMMUNITY_ORDER,
        start_date=date(2026, 12, 4),
        end_date=date(2027, 12, 3),
    )
    services.contact_record(
        person=person,
        kind=ContactKind.APPOINTMENT,
        occurred_on=date(2026, 12, 4),
        outcome=ContactOutcome.MISSED_UNACCEPTABLE,
        by=user("probation"),
    )
    return person


def codes(person, today: date) -> set[str]:
    return {rule.code for rule in alerts.alerts_for(person.pk, today)}


def test_a_booked_appointment_in_the_past_is_not_a_missed_contact_until_logged(clock, new_order):
    person = new_order
    appointment = book(person, days=0, hour=10, kind=ContactKind.HOME_VISIT)
    clock.move_to(at(1, 9))
    today = date(2026, 12, 8)
    # Its time has passed, unlogged: not a miss, not a joint visit, not a contact.
    assert "missed_first_month" not in codes(person, today)
    assert diary.outcomes_to_log_for(user("probation")).count == 1
    booking.appointment_outcome_record(
        appointment=appointment,
        outcome=AppointmentOutcome.UNACCEPTABLE_ABSENCE,
        version=appointment.version,
        by=user("probation"),
    )
    assert "missed_first_month" in codes(person, today)
    assert diary.outcomes_to_log_for(user("probation")).count == 0


def test_a_booked_joint_home_visit_does_not_close_the_joint_visit_alert(clock, person):
    Disposal.objects.create(
        person=person,
        reference="D-APPT-2",
        type=DisposalType.LICENCE,
        start_date=date(2026, 11, 30),
        end_date=date(2027, 11, 29),
    )
    police = Agency.objects.get(code="police")
    with time_machine.travel(datetime(2026, 12, 1, 9, tzinfo=UTC), tick=False):
        booked = booking.appointment_book(
            person=person,
            kind=ContactKind.JOINT_HOME_VISIT,
            starts_at=datetime(2026, 12, 2, 10, tzinfo=UTC),
            ends_at=datetime(2026, 12, 2, 11, tzinfo=UTC),
            place="Home address",
            officer=user("probation"),
            joint_agency=police,
            by=user("probation"),
        )
    assert "no_joint_visit" in codes(person, date(2026, 12, 7))
    booking.appointment_outcome_record(
        appointment=booked,
        outcome=AppointmentOutcome.ATTENDED,
        version=booked.version,
        by=user("probation"),
    )
    assert "no_joint_visit" not in codes(person, date(2026, 12, 7))


def test_bookings_do_not_count_in_the_compliance_report_until_logged(clock, new_order):
    person = new_order
    services.cohort_adopt(
        person=person,
        cohort=Cohort.IOM,
        start_date=date(2026, 11, 1),
        reason="Selected at panel",
        strand="fixed",
        by=user("probation"),
    )
    period = Period(start=date(2026, 12, 1), end=date(2026, 12, 31), as_of=date(2026, 12, 31))
    before = compliance_and_enforcement(period)
    appointment = book(person, days=0, hour=10)
    book(person, days=3, hour=10)  # still in the future
    clock.move_to(at(0, 12))
    assert compliance_and_enforcement(period) == before
    booking.appointment_outcome_record(
        appointment=appointment,
        outcome=AppointmentOutcome.ATTENDED,
        version=appointment.version,
        by=user("probation"),
    )
    after = compliance_and_enforcement(period)
    assert after["attended"] == before["attended"] + 1
    assert after["missed_unacceptable"] == before["missed_unacceptable"]
