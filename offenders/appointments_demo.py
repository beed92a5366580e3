"""A realistic fortnight of appointments for each demo practitioner, so
`make run` shows a living diary: this week and next, 3 to 5 a working day,
earlier ones (and last Thursday and Friday) mostly logged (each outcome a contact, as the service
makes it) and a few left for "outcomes to log".

Anchored on the week it runs and idempotent per week: a later `make run`
adds the new week's diary instead of showing an empty one. Deterministic for
a given day. Synthetic people only (offenders.demo).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from rrcase.access.selectors import agency_of

from .models import (
    OUTCOME_CONTACT,
    Appointment,
    AppointmentOutcome,
    AppointmentStatus,
    Contact,
    ContactKind,
    CustodyStatus,
)

OFFICERS = ("probation", "probation2", "police")
PLACES = {
    ContactKind.APPOINTMENT: "Northbridge Probation Office, interview room {n}",
    ContactKind.DRUG_TEST: "Northbridge Drug and Alcohol Service, Mill Lane",
    ContactKind.PHONE: "Telephone",
    ContactKind.HOME_VISIT: "Home address",
    ContactKind.JOINT_HOME_VISIT: "Home address",
    ContactKind.PRISON_VISIT: "HMP Northbridge, legal visits",
}
KINDS = [
    (ContactKind.APPOINTMENT, 6),
    (ContactKind.HOME_VISIT, 2),
    (ContactKind.PHONE, 2),
    (ContactKind.DRUG_TEST, 1),
    (ContactKind.JOINT_HOME_VISIT, 1),
]
OUTCOMES = [
    (AppointmentOutcome.ATTENDED, 8),
    (AppointmentOutcome.ACCEPTABLE_ABSENCE, 1),
    (AppointmentOutcome.UNACCEPTABLE_ABSENCE, 1),
    (AppointmentOutcome.FAILED_TO_ATTEND, 1),
]
# Past appointments this week left without an outcome, per officer.
UNLOGGED = 3


def _pick(rng: random.Random, weighted: Sequence[tuple[str, int]]) -> str:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights, k=1)[0]


def seed(today: date | None = None) -> None:
    today = today or timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    tz = timezone.get_current_timezone()
    week_start = datetime.combine(monday, time.min, tzinfo=tz)
    if Appointment.objects.filter(starts_at__gte=week_start).exists():
        return
    users = get_user_model().objects.filter(username__in=OFFICERS, is_active=True)
    with transaction.atomic():
        for officer in users.order_by("username"):
            _seed_officer(officer, monday, tz)


def _seed_officer(officer: Any, monday: date, tz: Any) -> None:
    agency = agency_of(officer)
    if agency is None:
        return
    from .selectors import person_list_for

    # Only people the officer may see: a diary row they could not open helps nobody.
    # Police officers visit the people they are single point of contact for.
    mine = {"police_spoc": officer} if agency.code == "police" else {"offender_manager": officer}
    caseload = list(
        person_list_for(officer)
        .filter(**mine)
        .exclude(custody_status__in=["deceased", "ual"])
        .order_by("pk")[:60]
    )
    if not caseload:
        return
    rng = random.Random(f"{officer.username}-{monday.isoformat()}")  # noqa: S311 - demo data
    partner = None
    if agency.code != "police":
        from rrcase.access.models import Agency

        partner = Agency.objects.filter(code="police").first()
    now = timezone.now()
    appointments: list[Appointment] = []
    # Last Thursday and Friday (so there is always something to log), then two working weeks.
    for offset in (-4, -3, *range(5), *range(7, 12)):
        day = monday + timedelta(days=offset)
        slots = sorted(rng.sample([9, 10, 11, 13, 14, 15, 16], rng.randint(3, 5)))
        for slot in slots:
            person = rng.choice(caseload)
            kind = _pick(rng, KINDS)
            if agency.code == "police":
                kind = ContactKind.HOME_VISIT
            if person.custody_status == CustodyStatus.IN_CUSTODY:
                kind = ContactKind.PRISON_VISIT
            minutes = 15 if kind == ContactKind.PHONE else rng.choice([30, 45, 60])
            starts = datetime.combine(day, time(slot, rng.choice([0, 0, 30])), tzinfo=tz)
            appointments.append(
                Appointment(
                    person=person,
                    kind=kind,
                    starts_at=starts,
                    ends_at=starts + timedelta(minutes=minutes),
                    place=PLACES[ContactKind(kind)].format(n=rng.randint(1, 4)),
                    officer=officer,
                    agency=agency,
                    joint_agency=partner if kind == ContactKind.JOINT_HOME_VISIT else None,
                    booked_by=officer,
                )
            )
    past = [a for a in appointments if a.starts_at <= now]
    # The most recent few stay unlogged: the officer's "outcomes to log".
    to_log = past[:-UNLOGGED] if len(past) > UNLOGGED else []
    contacts = []
    for appointment in to_log:
        outcome = _pick(rng, OUTCOMES)
        appointment.status = AppointmentStatus.DONE
        appointment.outcome = outcome
        if outcome == AppointmentOutcome.ACCEPTABLE_ABSENCE:
            appointment.reason = "Hospital appointment; letter seen"
        is_test = appointment.kind == ContactKind.DRUG_TEST
        attended = outcome == AppointmentOutcome.ATTENDED
        contacts.append(
            Contact(
                person=appointment.person,
                kind=appointment.kind,
                occurred_on=timezone.localtime(appointment.starts_at).date(),
                outcome=OUTCOME_CONTACT[outcome],
                agency=agency,
                recorded_by=officer,
                drug_test_result="negative" if is_test and attended else "",
                notes="Discussed progress on accommodation and ETE." if attended else "",
            )
        )
    Contact.objects.bulk_create(contacts)
    for appointment, contact in zip(to_log, contacts, strict=True):
        appointment.contact = contact
    Appointment.objects.bulk_create(appointments)
