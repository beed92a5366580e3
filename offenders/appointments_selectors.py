"""Every read of appointments and diaries, scoped to the acting user.

An appointment is seen by a user who may see its person (selectors.person_list_for,
as a correlated EXISTS) and the class of information it is marked with
(the sharing agreement), like a contact. Each selector here answers with a
fixed number of queries whatever the number of rows: the diary pages and,
later, the home page's "today" and "outcomes to log" panels read them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from rrcase.access.models import Role
from rrcase.access.roles import PERSON_WRITE_ROLES
from rrcase.access.selectors import agency_of, role_of, visible_sensitivities

from . import selectors
from .appointments_services import feed_token_hash
from .models import Appointment, AppointmentStatus, CalendarFeed, Person

# Rows a diary shows: what is booked and what has happened. Rescheduled rows
# live on as the history of their successor; cancelled ones are listed apart.
IN_DIARY = (AppointmentStatus.BOOKED, AppointmentStatus.DONE)
FEED_PAST_DAYS = 31
FEED_FUTURE_DAYS = 92


def appointment_list_for(user: User | AnonymousUser) -> QuerySet[Appointment]:
    """Appointments the user may see. The only starting point for appointment reads."""
    return (
        Appointment.objects.filter(selectors.person_visible_to(user))
        .filter(sensitivity__in=visible_sensitivities(agency_of(user)))
        .select_related("person", "officer", "agency", "joint_agency")
        .defer("person__search_vector")
    )


def appointment_get_for(
    user: User | AnonymousUser, appointment_id: int, *, for_change: bool = False
) -> Appointment:
    """One appointment, or Http404 / PermissionDenied as its person would give
    (selectors.person_get_for, which also records the consultation)."""
    person_id = (
        Appointment.objects.filter(pk=appointment_id).values_list("person_id", flat=True).first()
    )
    if person_id is None:
        raise Http404("No such appointment.")
    selectors.person_get_for(user, person_id, for_change=for_change)
    appointment = appointment_list_for(user).filter(pk=appointment_id).first()
    if appointment is None:  # a class of information this agency may not see
        raise Http404("No such appointment.")
    return appointment


def appointment_history(appointment: Appointment) -> list[Appointment]:
    """The bookings this one replaced, newest first: one query per step, and
    a booking is rarely moved more than a few times."""
    chain: list[Appointment] = []
    current = appointment
    while current.rescheduled_from_id is not None and len(chain) < 20:
        previous = (
            Appointment.objects.select_related("officer")
            .filter(pk=current.rescheduled_from_id)
            .first()
        )
        if previous is None:
            break
        chain.append(previous)
        current = previous
    return chain


def clashes_for(
    officer: User, starts_at: datetime, ends_at: datetime, exclude: Appointment | None = None
) -> list[Appointment]:
    """The officer's other booked appointments overlapping [starts_at, ends_at).
    Shown as times and kinds only: the officer's diary is the acting agency's own."""
    overlapping = Appointment.objects.filter(
        officer=officer,
        status=AppointmentStatus.BOOKED,
        starts_at__lt=ends_at,
        ends_at__gt=starts_at,
    ).order_by("starts_at")
    if exclude is not None:
        overlapping = overlapping.exclude(pk=exclude.pk)
    return list(overlapping[:10])


def officers_for(user: User | AnonymousUser) -> QuerySet[User]:
    """Who the user may book an appointment with: active practitioners and
    panel chairs of the user's own agency."""
    agency = agency_of(user)
    if agency is None:
        return get_user_model().objects.none()
    return (
        get_user_model()
        .objects.filter(
            is_active=True, membership__agency=agency, membership__role__in=PERSON_WRITE_ROLES
        )
        .order_by("last_name", "first_name", "id")
    )


# --- Days and weeks ---------------------------------------------------------------


def day_bounds(day: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    start = datetime.combine(day, time.min, tzinfo=tz)
    return start, datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)


def week_start(day: date) -> date:
    """The Monday of the week `day` is in."""
    return day - timedelta(days=day.weekday())


def diary_for(
    user: User | AnonymousUser, *, start: date, days: int, officers: QuerySet[User] | None = None
) -> list[Appointment]:
    """Appointments in [start, start + days) of the user (or of `officers`),
    in time order: one query."""
    begin, _ = day_bounds(start)
    end, _ = day_bounds(start + timedelta(days=days))
    rows = appointment_list_for(user).filter(
        starts_at__gte=begin, starts_at__lt=end, status__in=IN_DIARY
    )
    if officers is None:
        rows = rows.filter(officer_id=user.pk or 0)
    else:
        rows = rows.filter(officer__in=officers)
    return list(rows.order_by("starts_at", "officer__last_name", "id"))


def team_for(user: User | AnonymousUser) -> QuerySet[User]:
    """The people whose diaries an agency admin sees: their agency's active
    practitioners and panel chairs. Everyone else: 403."""
    if role_of(user) != Role.AGENCY_ADMIN:
        raise PermissionDenied("Only your agency's administrators see the team diary.")
    return officers_for(user)


@dataclass(frozen=True)
class Worklist:
    """A count and the first rows: what a summary panel needs, in two queries."""

    count: int
    rows: list[Appointment]


def _worklist(rows: QuerySet[Appointment], limit: int | None) -> Worklist:
    if limit is None:
        listed = list(rows)
        return Worklist(count=len(listed), rows=listed)
    return Worklist(count=rows.count(), rows=list(rows[:limit]))


def outcomes_to_log_for(user: User | AnonymousUser, *, limit: int | None = 25) -> Worklist:
    """The user's booked appointments whose time has come and whose outcome
    is not recorded yet, oldest first."""
    rows = appointment_list_for(user).filter(
        officer_id=user.pk or 0, status=AppointmentStatus.BOOKED, starts_at__lte=timezone.now()
    )
    return _worklist(rows.order_by("starts_at", "id"), limit)


def upcoming_for(user: User | AnonymousUser, *, days: int = 1, limit: int | None = 10) -> Worklist:
    """The user's booked appointments from now to the end of the day `days - 1`
    days away: days=1 is "my appointments today", days=7 "this week"."""
    now = timezone.now()
    _, end = day_bounds(timezone.localdate() + timedelta(days=days - 1))
    rows = appointment_list_for(user).filter(
        officer_id=user.pk or 0,
        status=AppointmentStatus.BOOKED,
        starts_at__gt=now,
        starts_at__lt=end,
    )
    return _worklist(rows.order_by("starts_at", "id"), limit)


def person_upcoming_for(user: User | AnonymousUser, person: Person, *, limit: int = 5) -> Worklist:
    """A person's booked appointments, soonest first (overdue ones included),
    for the person page. `person` must come from person_get_for."""
    rows = appointment_list_for(user).filter(person=person, status=AppointmentStatus.BOOKED)
    return _worklist(rows.order_by("starts_at", "id"), limit)


# --- Calendar feeds ----------------------------------------------------------------


def calendar_feed_of(user: User | AnonymousUser) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user_id=user.pk or 0, revoked_at__isnull=True).first()


def calendar_feed_user(token: str) -> User | None:
    """The active user whose live feed this token opens, or None."""
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token_hash=feed_token_hash(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if feed is None:
        return None
    CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=timezone.now())
    return feed.user


def calendar_feed_rows(user: User) -> list[dict[str, Any]]:
    """What the feed carries for each of the user's appointments from a month
    ago to three months ahead: times, place and kind, and the person's id for
    the disclosure audit (not put in the feed). Never a name, reference or
    notes (SECURITY.md "What leaves the service"): the query reads only these
    columns."""
    now = timezone.now()
    rows = (
        appointment_list_for(user)
        .filter(
            officer=user,
            status__in=(*IN_DIARY, AppointmentStatus.CANCELLED),
            starts_at__gte=now - timedelta(days=FEED_PAST_DAYS),
            starts_at__lt=now + timedelta(days=FEED_FUTURE_DAYS),
        )
        .order_by("starts_at", "id")
        .values(
            "pk",
            "kind",
            "starts_at",
            "ends_at",
            "place",
            "status",
            "updated_at",
            "person_id",
        )
    )
    return [dict(row) for row in rows]
