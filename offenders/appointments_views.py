"""Appointments and the diary (docs/pages.md "The daily loop").

Each view loads through appointments_selectors / selectors (404 outsider, 403
read-only, a consultation in the audit trail) and writes through one
appointments_services function. Diary pages list people, so each records the
people it showed (audit_people_listed).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from rrcase.access.models import Agency
from rrcase.access.selectors import agency_of, visible_sensitivities
from rrcase.audit.models import Action
from rrcase.audit.services import audit_people_listed, audit_record

from . import appointments_selectors as diary
from . import appointments_services as booking
from . import selectors
from .appointments_forms import (
    AppointmentForm,
    CancelForm,
    DiaryBookForm,
    OutcomeForm,
    RescheduleForm,
)
from .calendar_feed import calendar_for
from .models import Appointment, AppointmentOutcome, AppointmentStatus, Person
from .services import StaleEdit
from .views.access import person_role_required

STALE = "Check the appointment and try again."


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _day_from(request: HttpRequest) -> date:
    """?date=YYYY-MM-DD, or today when missing or not a date."""
    try:
        return date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        return timezone.localdate()


def _service_error(form: Any, error: Exception) -> None:
    field = getattr(error, "field", None)
    form.add_error(field if field in form.fields else None, str(error))


def _clash_key(data: dict[str, Any], officer: User) -> str:
    return f"{officer.pk}:{data['starts_at'].isoformat()}:{data['ends_at'].isoformat()}"


def _clash_check(form: Any, officer: User, exclude: Appointment | None = None) -> list[Appointment]:
    """The officer's overlapping appointments, unless the user has already seen
    this exact clash and chosen to book anyway. A clash is a warning, not an
    error: the form comes back once with the clashes and a confirmation."""
    data = form.cleaned_data
    clashes = diary.clashes_for(officer, data["starts_at"], data["ends_at"], exclude=exclude)
    if not clashes or data.get("clash_confirmed") == _clash_key(data, officer):
        return []
    posted = form.data.copy()
    posted["clash_confirmed"] = _clash_key(data, officer)
    form.data = posted
    return clashes


def _form_page(
    request: HttpRequest,
    *,
    title: str,
    form: Any,
    button: str,
    back: str,
    back_text: str,
    person: Person | None = None,
    status: int = 200,
    **context: Any,
) -> HttpResponse:
    return render(
        request,
        "offenders/appointments/form.html",
        {
            "title": title,
            "form": form,
            "button": button,
            "back": back,
            "back_text": back_text,
            "person": person,
            **context,
        },
        status=status,
    )


def _booking_form(request: HttpRequest, form_class: type[AppointmentForm]) -> AppointmentForm:
    user = _user(request)
    agency = agency_of(user)
    initial = {"officer": user.pk, "starts_on": timezone.localdate() + timedelta(days=1)}
    partners = Agency.objects.filter(is_active=True).order_by("name")
    if agency is not None:
        partners = partners.exclude(pk=agency.pk)
    return form_class(
        request.POST or None,
        initial=initial,
        officers=diary.officers_for(user),
        partner_agencies=partners,
        visible_classes=visible_sensitivities(agency),
    )


def _book(request: HttpRequest, form: AppointmentForm, person: Person) -> HttpResponse | None:
    """Book from a valid form, or None with the form carrying why not."""
    data = form.cleaned_data
    try:
        appointment = booking.appointment_book(
            person=person,
            kind=data["kind"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            place=data["place"],
            officer=data["officer"],
            joint_agency=data["joint_agency"],
            notes=data["notes"],
            sensitivity=data["sensitivity"],
            by=_user(request),
        )
    except booking.AppointmentError as error:
        _service_error(form, error)
        return None
    messages.success(
        request,
        f"{appointment.get_kind_display()} booked for "
        f"{timezone.localtime(appointment.starts_at):%-d %B %Y at %H:%M}",
    )
    return HttpResponseRedirect(reverse("diary:appointment", args=[appointment.pk]))


@person_role_required
def person_book(request: HttpRequest, person_id: int) -> HttpResponse:
    """Book an appointment from the person page."""
    person = selectors.person_get_for(request.user, person_id, for_change=True)
    form = _booking_form(request, AppointmentForm)
    clashes: list[Appointment] = []
    if request.method == "POST" and form.is_valid():
        clashes = _clash_check(form, form.cleaned_data["officer"])
        if not clashes:
            done = _book(request, form, person)
            if done is not None:
                return done
    return _form_page(
        request,
        title="Book an appointment",
        form=form,
        button="Book appointment",
        back=reverse("offenders:person", args=[person.pk]),
        back_text=f"Back to {person.full_name}",
        person=person,
        clashes=clashes,
        in_custody=person.custody_status == "in_custody",
    )


@person_role_required
def diary_book(request: HttpRequest) -> HttpResponse:
    """Book an appointment from the diary, naming the person by case reference."""
    form = _booking_form(request, DiaryBookForm)
    clashes: list[Appointment] = []
    if request.method == "POST" and form.is_valid():
        reference = form.cleaned_data["reference"].strip()
        person = selectors.person_list_for(request.user).filter(reference__iexact=reference).first()
        if person is None or not selectors.person_may_change(request.user, person):
            # The same words whether the record is missing or not the user's to change.
            form.add_error(
                "reference",
                "There is no person with this case reference whose record you can change",
            )
        else:
            clashes = _clash_check(form, form.cleaned_data["officer"])
            if not clashes:
                done = _book(request, form, person)
                if done is not None:
                    return done
    return _form_page(
        request,
        title="Book an appointment",
        form=form,
        button="Book appointment",
        back=reverse("diary:day"),
        back_text="Back to your diary",
        clashes=clashes,
    )


def _unacceptable_absences(request: HttpRequest, appointment: Appointment) -> int:
    """Unacceptable absences in the 12 months to this appointment's, when this
    one was one: the count that prompts enforcement. Only contacts of classes
    the user's agency may see are counted, so the number reveals no others."""
    if appointment.outcome not in (
        AppointmentOutcome.UNACCEPTABLE_ABSENCE,
        AppointmentOutcome.FAILED_TO_ATTEND,
    ):
        return 0
    from rrcase.dates import add_months

    from .models import Contact, ContactOutcome

    day = timezone.localtime(appointment.starts_at).date()
    since = add_months(day, -booking.ENFORCEMENT_LOOK_BACK_MONTHS)
    return Contact.objects.filter(
        person_id=appointment.person_id,
        outcome=ContactOutcome.MISSED_UNACCEPTABLE,
        occurred_on__gt=since,
        occurred_on__lte=day,
        sensitivity__in=visible_sensitivities(agency_of(request.user)),
    ).count()


@person_role_required
def appointment_detail(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = diary.appointment_get_for(request.user, appointment_id)
    absences = _unacceptable_absences(request, appointment)
    started = appointment.starts_at <= timezone.now()
    may_change = selectors.person_may_change(request.user, appointment.person)
    enforcement_link = ""
    if absences >= 2:
        enforcement_link = (
            reverse("offenders:enforcement-record", args=[appointment.person_id])
            + f"?kind=warning_letter&from_appointment={appointment.pk}"
        )
    return render(
        request,
        "offenders/appointments/detail.html",
        {
            "appointment": appointment,
            "person": appointment.person,
            "history": diary.appointment_history(appointment),
            "successor": Appointment.objects.filter(rescheduled_from=appointment)
            .only("pk", "starts_at")
            .first(),
            "may_change": may_change and appointment.status == AppointmentStatus.BOOKED,
            "started": started,
            "absences": absences,
            "enforcement_link": enforcement_link,
        },
    )


def _appointment_write(
    request: HttpRequest,
    appointment_id: int,
    form_class: type[Any],
    *,
    title: str,
    button: str,
    write: Any,
    initial: dict[str, Any] | None = None,
    clash_check: bool = False,
) -> HttpResponse:
    appointment = diary.appointment_get_for(request.user, appointment_id, for_change=True)
    if appointment.status != AppointmentStatus.BOOKED and request.method != "POST":
        raise Http404("This appointment is no longer booked.")
    form = form_class(
        request.POST or None, initial={"version": appointment.version, **(initial or {})}
    )
    clashes: list[Appointment] = []
    if request.method == "POST" and form.is_valid():
        if clash_check:
            clashes = _clash_check(form, appointment.officer, exclude=appointment)
        if not clashes:
            try:
                done = write(appointment, form.cleaned_data)
            except StaleEdit as error:
                form.add_error(None, f"{error} {STALE}")
            except booking.AppointmentError as error:
                _service_error(form, error)
            else:
                return done
    when = timezone.localtime(appointment.starts_at)
    return _form_page(
        request,
        title=title,
        form=form,
        button=button,
        back=reverse("diary:appointment", args=[appointment.pk]),
        back_text="Back to the appointment",
        person=appointment.person,
        intro=f"{appointment.get_kind_display()} on {when:%-d %B %Y at %H:%M}, "
        f"{appointment.place}, with {appointment.officer.get_full_name()}.",
        clashes=clashes,
        appointment=appointment,
    )


@person_role_required
def appointment_outcome(request: HttpRequest, appointment_id: int) -> HttpResponse:
    def write(appointment: Appointment, data: dict[str, Any]) -> HttpResponse:
        recorded = booking.appointment_outcome_record(
            appointment=appointment,
            outcome=data["outcome"],
            version=data["version"],
            reason=data["reason"],
            notes=data["notes"],
            drug_test_result=data["drug_test_result"],
            substances=data["substances"],
            by=_user(request),
        )
        messages.success(request, f"Outcome recorded: {recorded.appointment.get_outcome_display()}")
        return HttpResponseRedirect(reverse("diary:appointment", args=[appointment.pk]))

    return _appointment_write(
        request,
        appointment_id,
        OutcomeForm,
        title="Record the outcome",
        button="Record outcome",
        write=write,
    )


@person_role_required
def appointment_reschedule(request: HttpRequest, appointment_id: int) -> HttpResponse:
    def write(appointment: Appointment, data: dict[str, Any]) -> HttpResponse:
        moved = booking.appointment_reschedule(
            appointment=appointment,
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            place=data["place"],
            reason=data["reason"],
            version=data["version"],
            by=_user(request),
        )
        messages.success(
            request,
            f"Rescheduled to {timezone.localtime(moved.starts_at):%-d %B %Y at %H:%M}",
        )
        return HttpResponseRedirect(reverse("diary:appointment", args=[moved.pk]))

    current = diary.appointment_list_for(request.user).filter(pk=appointment_id).first()
    initial = {}
    if current is not None:
        start, end = timezone.localtime(current.starts_at), timezone.localtime(current.ends_at)
        initial = {
            "place": current.place,
            "starts_on": start.date(),
            "start_time": f"{start:%H:%M}",
            "end_time": f"{end:%H:%M}",
        }
    return _appointment_write(
        request,
        appointment_id,
        RescheduleForm,
        title="Reschedule the appointment",
        button="Reschedule",
        write=write,
        initial=initial,
        clash_check=True,
    )


@person_role_required
def appointment_cancel(request: HttpRequest, appointment_id: int) -> HttpResponse:
    def write(appointment: Appointment, data: dict[str, Any]) -> HttpResponse:
        booking.appointment_cancel(
            appointment=appointment,
            reason=data["reason"],
            version=data["version"],
            by=_user(request),
        )
        messages.success(request, "Appointment cancelled")
        return HttpResponseRedirect(reverse("diary:appointment", args=[appointment.pk]))

    return _appointment_write(
        request,
        appointment_id,
        CancelForm,
        title="Cancel the appointment",
        button="Cancel appointment",
        write=write,
    )


# --- The diary -------------------------------------------------------------------------


def _days(start: date, count: int, rows: list[Appointment]) -> list[dict[str, Any]]:
    by_day: dict[date, list[Appointment]] = {}
    for row in rows:
        by_day.setdefault(timezone.localtime(row.starts_at).date(), []).append(row)
    return [
        {"day": start + timedelta(days=n), "rows": by_day.get(start + timedelta(days=n), [])}
        for n in range(count)
    ]


def _diary_page(
    request: HttpRequest,
    *,
    view: str,
    day: date,
    rows: list[Appointment],
    listed: str,
    team: bool = False,
) -> HttpResponse:
    start = day if view == "day" else diary.week_start(day)
    count = 1 if view == "day" else 7
    step = timedelta(days=count)
    audit_people_listed(
        actor=request.user,
        listed=listed,
        person_ids=sorted({row.person_id for row in rows}),
        query={"view": view, "from": start.isoformat()},
    )
    url = {
        ("day", False): "diary:day",
        ("week", False): "diary:week",
        ("day", True): "diary:team-day",
        ("week", True): "diary:team-week",
    }
    return render(
        request,
        "offenders/appointments/diary.html",
        {
            "view": view,
            "team": team,
            "start": start,
            "end": start + step - timedelta(days=1),
            "days": _days(start, count, rows),
            "count": len(rows),
            "today": timezone.localdate(),
            "previous": f"{reverse(url[view, team])}?date={(start - step).isoformat()}",
            "next": f"{reverse(url[view, team])}?date={(start + step).isoformat()}",
            "this_url": reverse(url[view, team]),
            "day_url": f"{reverse(url['day', team])}?date={start.isoformat()}",
            "week_url": f"{reverse(url['week', team])}?date={start.isoformat()}",
            "outcomes": diary.outcomes_to_log_for(request.user, limit=0).count
            if not team
            else None,
            "now": timezone.now(),
        },
    )


@person_role_required
def diary_day(request: HttpRequest) -> HttpResponse:
    day = _day_from(request)
    rows = diary.diary_for(request.user, start=day, days=1)
    return _diary_page(request, view="day", day=day, rows=rows, listed="diary")


@person_role_required
def diary_week(request: HttpRequest) -> HttpResponse:
    start = diary.week_start(_day_from(request))
    rows = diary.diary_for(request.user, start=start, days=7)
    return _diary_page(request, view="week", day=start, rows=rows, listed="diary")


def _team_page(request: HttpRequest, view: str) -> HttpResponse:
    team = diary.team_for(request.user)  # 403 unless an agency admin
    day = _day_from(request)
    start = day if view == "day" else diary.week_start(day)
    rows = diary.diary_for(request.user, start=start, days=1 if view == "day" else 7, officers=team)
    return _diary_page(request, view=view, day=start, rows=rows, listed="team diary", team=True)


@person_role_required
def team_day(request: HttpRequest) -> HttpResponse:
    return _team_page(request, "day")


@person_role_required
def team_week(request: HttpRequest) -> HttpResponse:
    return _team_page(request, "week")


@person_role_required
def outcomes_to_log(request: HttpRequest) -> HttpResponse:
    worklist = diary.outcomes_to_log_for(request.user, limit=None)
    audit_people_listed(
        actor=request.user,
        listed="outcomes to log",
        person_ids=sorted({row.person_id for row in worklist.rows}),
    )
    return render(request, "offenders/appointments/outcomes.html", {"worklist": worklist})


# --- Calendar feed ---------------------------------------------------------------------


@person_role_required
def calendar_feed_page(request: HttpRequest) -> HttpResponse:
    """Make, replace or stop the user's private calendar feed. The address is
    shown once, straight after it is made."""
    token = ""
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            if booking.calendar_feed_revoke(by=_user(request)):
                messages.success(request, "Your calendar feed is switched off")
            return HttpResponseRedirect(reverse("diary:calendar-feed"))
        token = booking.calendar_feed_create(by=_user(request))
    feed = diary.calendar_feed_of(request.user)
    address = (
        request.build_absolute_uri(reverse("diary:calendar-feed-ics", args=[token]))
        if token
        else ""
    )
    return render(
        request, "offenders/appointments/calendar_feed.html", {"feed": feed, "address": address}
    )


@login_not_required
def calendar_feed_ics(request: HttpRequest, token: str) -> HttpResponse:
    """The feed a calendar app polls: no session, the token is the key. An
    unknown or revoked token gets the same 404 as any missing page."""
    user = diary.calendar_feed_user(token)
    if user is None:
        raise Http404("No such calendar.")
    rows = diary.calendar_feed_rows(user)
    # Leaving the service: a disclosure to the user's own calendar provider.
    audit_record(
        action=Action.DISCLOSE,
        actor=user,
        recipient="calendar feed",
        details={
            "object": "calendar feed",
            "appointments": [row["pk"] for row in rows],
            "people": sorted({row["person_id"] for row in rows}),
        },
    )
    body = calendar_for(rows, base_url=request.build_absolute_uri("/"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="rrcase.ics"'
    return response


def enforcement_initial(request: HttpRequest, person: Person) -> dict[str, Any]:
    """What the enforcement form starts with when opened from an appointment's
    "consider enforcement" prompt (?from_appointment=<id>): a warning letter,
    now, and the absences that prompted it. Anything else: an empty form."""
    try:
        appointment_id = int(request.GET.get("from_appointment", ""))
    except ValueError:
        return {}
    appointment = (
        diary.appointment_list_for(request.user)
        .filter(pk=appointment_id, person=person, status=AppointmentStatus.DONE)
        .first()
    )
    if appointment is None:
        return {}
    from .models import Contact, ContactOutcome, EnforcementKind

    day = timezone.localtime(appointment.starts_at).date()
    from rrcase.dates import add_months

    since = add_months(day, -booking.ENFORCEMENT_LOOK_BACK_MONTHS)
    dates = Contact.objects.filter(
        person=person,
        outcome=ContactOutcome.MISSED_UNACCEPTABLE,
        occurred_on__gt=since,
        occurred_on__lte=day,
        sensitivity__in=visible_sensitivities(agency_of(request.user)),
    ).values_list("occurred_on", flat=True)
    listed = ", ".join(f"{d:%-d %B %Y}" for d in sorted(dates))
    now = timezone.localtime()
    return {
        "kind": EnforcementKind.WARNING_LETTER,
        "occurred_on": now.date(),
        "occurred_time": f"{now:%H:%M}",
        "notes": f"Unacceptable absences in the last 12 months: {listed}.",
    }
