"""Every write about appointments and calendar feeds (docs/decisions.md
"Appointments"). Each function is one use case: keyword-only, atomic,
validated, versioned where it changes a row, audited in the same transaction.

An appointment is not a contact until its outcome is recorded: then
appointment_outcome_record makes one through services.contact_record, the same
service a logged contact goes through, so compliance, alerts and KPIs see an
outcome exactly as they see any contact, and never see a booking.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from rrcase.access.models import Agency
from rrcase.access.selectors import agency_of
from rrcase.audit.models import Action
from rrcase.audit.services import audit_record
from rrcase.dates import add_months

from . import services
from .models import (
    CUSTODY_KINDS,
    NOTES_MAX,
    OUTCOME_CONTACT,
    REASON_MAX,
    Appointment,
    AppointmentOutcome,
    AppointmentStatus,
    CalendarFeed,
    Contact,
    ContactKind,
    ContactOutcome,
    CustodyStatus,
    DrugTestResult,
    Person,
    Sensitivity,
)
from .services import StaleEdit

LONGEST = timedelta(hours=12)
ENFORCEMENT_LOOK_BACK_MONTHS = 12


class AppointmentError(ValueError):
    """A booking, reschedule, cancellation or outcome the rules refuse; the
    message is written for the person at the screen. `field` names the form
    field it is about, when there is one."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def _validate_slot(
    *, person: Person, kind: str, starts_at: datetime, ends_at: datetime, now: datetime
) -> None:
    if kind not in dict(Appointment._meta.get_field("kind").choices or []):
        raise AppointmentError("Select the type of appointment", "kind")
    if starts_at <= now:
        raise AppointmentError(
            "The appointment must start in the future: to log something that has "
            "happened, record a contact instead",
            "starts_on",
        )
    if ends_at <= starts_at:
        raise AppointmentError("The end time must be after the start time", "end_time")
    if ends_at - starts_at > LONGEST:
        raise AppointmentError("An appointment can last at most 12 hours", "end_time")
    if person.custody_status == CustodyStatus.IN_CUSTODY and kind not in CUSTODY_KINDS:
        where = f" ({person.prison})" if person.prison else ""
        raise AppointmentError(
            f"{person.full_name} is in custody{where}: book a prison visit or a phone call",
            "kind",
        )


def _validate_people(
    *, kind: str, officer: User, agency: Agency, joint_agency: Agency | None
) -> None:
    officer_agency = agency_of(officer)
    if officer_agency is None or officer_agency.pk != agency.pk or not officer.is_active:
        raise AppointmentError("Select an officer from your agency", "officer")
    if kind == ContactKind.JOINT_HOME_VISIT:
        if joint_agency is None:
            raise AppointmentError("Select the agency joining the visit", "joint_agency")
        if joint_agency.pk == agency.pk:
            raise AppointmentError(
                "A joint visit is with another agency: select the partner agency", "joint_agency"
            )


def _text(value: str, limit: int, what: str, field: str) -> str:
    value = value.strip()
    if len(value) > limit:
        raise AppointmentError(f"{what} must be {limit} characters or fewer", field)
    return value


def _audit(appointment: Appointment, *, by: User | None, action: Action, **details: object) -> None:
    # Times and kind only: notes and place stay in the row, not in the trail.
    audit_record(
        action=action,
        actor=by,
        obj=appointment,
        person_id=appointment.person_id,
        details={
            "appointment": appointment.pk,
            "kind": appointment.kind,
            "starts_at": appointment.starts_at.isoformat(),
            "status": appointment.status,
            **details,
        },
    )


@transaction.atomic
def appointment_book(
    *,
    person: Person,
    kind: str,
    starts_at: datetime,
    ends_at: datetime,
    place: str,
    officer: User,
    by: User,
    joint_agency: Agency | None = None,
    notes: str = "",
    sensitivity: str = Sensitivity.STANDARD,
    rescheduled_from: Appointment | None = None,
) -> Appointment:
    """Book an appointment for a person with one of the acting agency's
    officers. The caller has checked `by` may change the person
    (selectors.person_get_for(..., for_change=True)). A clash with the
    officer's other appointments is allowed: the page warns first
    (appointments_selectors.clashes_for)."""
    agency = services._acting_agency(by, "appointments")
    place = _text(place, 200, "Place", "place")
    if not place:
        raise AppointmentError("Enter where the appointment is", "place")
    notes = _text(notes, NOTES_MAX, "Notes", "notes")
    now = timezone.now()
    _validate_slot(person=person, kind=kind, starts_at=starts_at, ends_at=ends_at, now=now)
    _validate_people(kind=kind, officer=officer, agency=agency, joint_agency=joint_agency)
    if sensitivity not in Sensitivity.values:
        raise AppointmentError("Select who may see this appointment", "sensitivity")
    appointment = Appointment.objects.create(
        person=person,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
        officer=officer,
        agency=agency,
        joint_agency=joint_agency if kind == ContactKind.JOINT_HOME_VISIT else None,
        notes=notes,
        sensitivity=sensitivity,
        booked_by=by,
        rescheduled_from=rescheduled_from,
    )
    _audit(
        appointment,
        by=by,
        action=Action.COLLECT,
        officer=officer.get_username(),
        **({"rescheduled_from": rescheduled_from.pk} if rescheduled_from else {}),
    )
    return appointment


def _lock_booked(appointment: Appointment, version: int | None) -> Appointment:
    locked = Appointment.objects.select_for_update().select_related("person").get(pk=appointment.pk)
    # Before the version check: a second submit of the same form says what happened.
    if locked.status != AppointmentStatus.BOOKED:
        raise AppointmentError(
            f"This appointment is no longer booked: it was {locked.get_status_display().lower()}"
        )
    if version is None:
        raise StaleEdit("The form did not say which version of the appointment it changes.")
    if locked.version != version:
        raise StaleEdit("Someone else changed this appointment while you were editing it.")
    return locked


def _close(locked: Appointment, **changes: object) -> None:
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.version += 1
    locked.save(update_fields=[*changes, "version", "updated_at"])


@transaction.atomic
def appointment_reschedule(
    *,
    appointment: Appointment,
    starts_at: datetime,
    ends_at: datetime,
    reason: str,
    version: int | None,
    by: User,
    place: str | None = None,
    officer: User | None = None,
) -> Appointment:
    """Move a booked appointment to a new time (and place or officer): the old
    row ends as rescheduled with the reason and the new one points back at it,
    so the history stays. After its time has passed this is the outcome
    "rescheduled by us", which makes no contact: the person missed nothing."""
    reason = _text(reason, REASON_MAX, "The reason", "reason")
    if not reason:
        raise AppointmentError("Enter why the appointment is being moved", "reason")
    locked = _lock_booked(appointment, version)
    passed = locked.starts_at <= timezone.now()
    _close(
        locked,
        status=AppointmentStatus.RESCHEDULED,
        outcome=AppointmentOutcome.RESCHEDULED_BY_US if passed else "",
        reason=reason,
    )
    _audit(locked, by=by, action=Action.ALTER, reason=reason, after_its_time=passed)
    return appointment_book(
        person=locked.person,
        kind=locked.kind,
        starts_at=starts_at,
        ends_at=ends_at,
        place=locked.place if place is None else place,
        officer=officer or locked.officer,
        joint_agency=locked.joint_agency,
        notes=locked.notes,
        sensitivity=locked.sensitivity,
        by=by,
        rescheduled_from=locked,
    )


@transaction.atomic
def appointment_cancel(
    *, appointment: Appointment, reason: str, version: int | None, by: User
) -> Appointment:
    """Cancel a booked appointment, with the reason. Nothing becomes a contact."""
    reason = _text(reason, REASON_MAX, "The reason", "reason")
    if not reason:
        raise AppointmentError("Enter why the appointment is cancelled", "reason")
    locked = _lock_booked(appointment, version)
    _close(locked, status=AppointmentStatus.CANCELLED, reason=reason)
    _audit(locked, by=by, action=Action.ALTER, reason=reason)
    return locked


@dataclass(frozen=True)
class OutcomeRecorded:
    appointment: Appointment
    contact: Contact | None
    # Unacceptable absences in the 12 months to this one, this one included:
    # 2 or more and the officer should consider enforcement.
    unacceptable_absences: int

    @property
    def consider_enforcement(self) -> bool:
        return self.unacceptable_absences >= 2


@transaction.atomic
def appointment_outcome_record(
    *,
    appointment: Appointment,
    outcome: str,
    version: int | None,
    by: User,
    reason: str = "",
    notes: str = "",
    drug_test_result: str = "",
    substances: str = "",
) -> OutcomeRecorded:
    """Record what happened at an appointment whose time has come. Every outcome
    but "rescheduled by us" becomes a contact (OUTCOME_CONTACT) recorded by the
    acting user's agency on the appointment's day, with the appointment's kind
    and sensitivity. "Rescheduled by us" goes through appointment_reschedule."""
    if outcome == AppointmentOutcome.RESCHEDULED_BY_US:
        raise AppointmentError(
            "To record that we rescheduled it, reschedule the appointment", "outcome"
        )
    if outcome not in OUTCOME_CONTACT:
        raise AppointmentError("Select the outcome of the appointment", "outcome")
    reason = _text(reason, REASON_MAX, "The reason", "reason")
    notes = _text(notes, NOTES_MAX, "Notes", "notes")
    if outcome == AppointmentOutcome.ACCEPTABLE_ABSENCE and not reason:
        raise AppointmentError("Enter the reason the absence is acceptable", "reason")
    locked = _lock_booked(appointment, version)
    if locked.starts_at > timezone.now():
        raise AppointmentError(
            "The appointment has not started yet: record its outcome once it has, "
            "or reschedule or cancel it"
        )
    is_test = locked.kind == ContactKind.DRUG_TEST
    if is_test and outcome == AppointmentOutcome.ATTENDED:
        if drug_test_result not in DrugTestResult.values:
            raise AppointmentError("Select the drug test result", "drug_test_result")
        if drug_test_result == DrugTestResult.POSITIVE and not substances.strip():
            raise AppointmentError("Enter the substances the test found", "substances")
    contact_outcome = OUTCOME_CONTACT[outcome]
    text = [f"Reason: {reason}"] if reason else []
    if notes:
        text.append(notes)
    contact = services.contact_record(
        person=locked.person,
        kind=locked.kind,
        occurred_on=timezone.localtime(locked.starts_at).date(),
        outcome=contact_outcome,
        notes="\n\n".join(text),
        drug_test_result=drug_test_result if is_test else "",
        substances=substances.strip() if is_test else "",
        sensitivity=locked.sensitivity,
        by=by,
    )
    _close(
        locked,
        status=AppointmentStatus.DONE,
        outcome=outcome,
        reason=reason,
        contact=contact,
    )
    _audit(locked, by=by, action=Action.ALTER, outcome=outcome, contact=contact.pk)
    absences = 0
    if contact_outcome == ContactOutcome.MISSED_UNACCEPTABLE:
        # Only classes the acting agency may see: the count reveals no others.
        from rrcase.access.selectors import visible_sensitivities

        since = add_months(contact.occurred_on, -ENFORCEMENT_LOOK_BACK_MONTHS)
        absences = Contact.objects.filter(
            person_id=locked.person_id,
            outcome=ContactOutcome.MISSED_UNACCEPTABLE,
            occurred_on__gt=since,
            occurred_on__lte=contact.occurred_on,
            sensitivity__in=visible_sensitivities(agency_of(by)),
        ).count()
    return OutcomeRecorded(appointment=locked, contact=contact, unacceptable_absences=absences)


# --- Calendar feeds -------------------------------------------------------------------


def feed_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def calendar_feed_create(*, by: User) -> str:
    """A new private feed for the user, replacing any live one. Returns the
    token, which is never stored and so can be shown only now."""
    calendar_feed_revoke(by=by)
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.create(user=by, token_hash=feed_token_hash(token))
    audit_record(action=Action.GRANT, actor=by, obj=feed, details={"calendar_feed": feed.pk})
    return token


@transaction.atomic
def calendar_feed_revoke(*, by: User) -> int:
    """Stop the user's live feed, if any: its URL then answers 404."""
    live = list(CalendarFeed.objects.select_for_update().filter(user=by, revoked_at__isnull=True))
    for feed in live:
        feed.revoked_at = timezone.now()
        feed.save(update_fields=["revoked_at"])
        audit_record(action=Action.REVOKE, actor=by, obj=feed, details={"calendar_feed": feed.pk})
    return len(live)
