"""Panel pages. Thin: load through panels.selectors (404 outsiders, 403
read-only), validate with panels.forms, change through panels.services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from offenders.models import Brag
from offenders.selectors import person_get_for, person_list_for
from rrcase.access.selectors import agency_of, visible_sensitivities
from rrcase.audit.models import Action
from rrcase.audit.services import audit_people_listed, audit_record
from rrcase.core.pagination import CappedPaginator

from . import selectors, services
from .forms import (
    ActionCloseForm,
    ActionForm,
    AddPersonForm,
    AgendaRulesForm,
    AttendanceForm,
    DecisionForm,
    DiscussionForm,
    MeetingForm,
    MeetingNotesForm,
    UpdateResponseForm,
)
from .models import MeetingStatus, PanelMeeting

REFUSED = (services.IllegalTransition, services.StaleEdit, ValueError)


def _meeting_url(meeting: PanelMeeting) -> str:
    return reverse("panels:meeting", args=[meeting.pk])


def _actor(request: HttpRequest) -> User:
    """The signed-in user (LoginRequiredMiddleware: never anonymous here)."""
    return cast(User, request.user)


def _submit(
    request: HttpRequest,
    form: forms.Form,
    write: Callable[[dict[str, Any]], object],
    *,
    done: str,
    to: str,
) -> HttpResponse | None:
    """The writing half of a form page: when the posted form is valid, `write`
    its data through a service, then flash `done` and redirect to `to`. A
    refusal (illegal step, stale version, invalid value) becomes the form's
    error summary; None tells the view to show its page again."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        write(form.cleaned_data)
    except REFUSED as refused:
        form.add_error(None, str(refused))
        return None
    messages.success(request, done)
    return redirect(to)


@require_GET
def panel_list(request: HttpRequest) -> HttpResponse:
    panel_types = selectors.panel_type_list_for(request.user)
    today = timezone.localdate()
    return render(
        request,
        "panels/panel_list.html",
        {
            "panel_types": list(panel_types),
            "upcoming": selectors.meetings_upcoming(panel_types, today),
            "counts": selectors.action_counts_for(request.user, today),
            "open_updates": selectors.update_requests_for(request.user).count(),
        },
    )


@require_GET
def panel_type_detail(request: HttpRequest, pk: int) -> HttpResponse:
    panel_type = selectors.panel_type_get_for(request.user, pk)
    today = timezone.localdate()
    return render(
        request,
        "panels/panel_type.html",
        {
            "panel_type": panel_type,
            "meetings": selectors.panel_type_meetings(panel_type, today),
            "members": selectors.member_agencies(panel_type),
            "chairs": list(panel_type.chairs.order_by("last_name")),
            "is_chair": selectors.is_chair(request.user, panel_type),
        },
    )


@require_POST
def panel_type_generate(request: HttpRequest, pk: int) -> HttpResponse:
    panel_type = selectors.panel_type_get_for(request.user, pk, for_chair=True)
    created = services.meetings_generate(
        panel_type=panel_type,
        start=timezone.localdate(),
        months=3,
        by=_actor(request),
    )
    messages.success(
        request,
        f"{len(created)} meeting{'s' if len(created) != 1 else ''} added for the next three months"
        if created
        else "The next three months' meetings are already scheduled",
    )
    return redirect("panels:panel-type", pk=panel_type.pk)


@require_http_methods(["GET", "POST"])
def panel_type_rules(request: HttpRequest, pk: int) -> HttpResponse:
    panel_type = selectors.panel_type_get_for(request.user, pk, for_chair=request.method == "POST")
    chair = selectors.is_chair(request.user, panel_type)
    form = AgendaRulesForm(request.POST or None, panel_type=panel_type)
    if request.method == "POST" and form.is_valid():
        for kind, enabled, days in form.rules():
            services.agenda_rule_update(
                panel_type=panel_type, kind=kind, enabled=enabled, threshold_days=days,
                by=_actor(request),
            )  # fmt: skip
        messages.success(request, "Agenda rules saved")
        return redirect("panels:panel-type", pk=panel_type.pk)
    return render(
        request,
        "panels/rules.html",
        {"panel_type": panel_type, "form": form, "is_chair": chair},
        status=400 if form.errors else 200,
    )


@require_GET
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get_for(request.user, pk)
    return _meeting_page(request, meeting)


def _meeting_page(
    request: HttpRequest, meeting: PanelMeeting, notes_form: MeetingNotesForm | None = None
) -> HttpResponse:
    """The meeting page; with a bound notes form that failed, its errors and
    the text as typed (status 400)."""
    context: dict[str, Any] = {
        "meeting": meeting,
        "panel_type": meeting.panel_type,
        "is_chair": selectors.is_chair(request.user, meeting.panel_type),
        "add_form": AddPersonForm(),
        "members": services.permitted_agencies(meeting.panel_type),
        "notes_form": MeetingNotesForm(
            initial={
                "notes": meeting.notes,
                "notes_sensitivity": meeting.notes_sensitivity,
                "version": meeting.version,
            },
            classes=selectors.panel_text_classes(meeting.panel_type),
        ),
        **selectors.meeting_agenda(request.user, meeting),
    }
    if notes_form is not None:
        context["notes_form"] = notes_form
    audit_people_listed(
        actor=request.user,
        listed="panels.meeting",
        person_ids=[row.item.person_id for row in context["rows"]],
        obj=meeting,
    )
    status = 400 if notes_form is not None else 200
    return render(request, "panels/meeting.html", context, status=status)


@require_http_methods(["GET", "POST"])
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The chair changes one meeting's time, place or online link."""
    meeting = selectors.meeting_get_for(request.user, pk, for_chair=True)
    form = MeetingForm(
        request.POST or None,
        initial={
            "start_time": meeting.start_time,
            "location": meeting.location,
            "online_link": meeting.online_link,
            "version": meeting.version,
        },
    )

    def write(data: dict[str, Any]) -> None:
        services.meeting_update(
            meeting=meeting, start_time=data["start_time"], location=data["location"],
            online_link=data["online_link"], version=data["version"], by=_actor(request),
        )  # fmt: skip

    saved = _submit(request, form, write, done="Meeting details saved", to=_meeting_url(meeting))
    return saved or render(
        request,
        "panels/meeting_edit.html",
        {"meeting": meeting, "panel_type": meeting.panel_type, "form": form},
        status=400 if form.errors else 200,
    )


@require_POST
def meeting_transition(request: HttpRequest, pk: int, to: str) -> HttpResponse:
    meeting = selectors.meeting_get_for(request.user, pk, for_chair=True)
    service = {
        "start": services.meeting_start,
        "conclude": services.meeting_conclude,
        "cancel": services.meeting_cancel,
    }[to]
    done = {
        "start": "Meeting started",
        "conclude": "Meeting concluded",
        "cancel": "Meeting cancelled",
    }
    try:
        service(meeting=meeting, by=_actor(request))
    except services.IllegalTransition as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, done[to])
    return redirect(_meeting_url(meeting))


@require_POST
def meeting_build_agenda(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get_for(request.user, pk, for_chair=True)
    try:
        added = services.agenda_build(meeting=meeting, by=_actor(request))
    except services.IllegalTransition as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request, f"Agenda built: {added} {'person' if added == 1 else 'people'} added"
        )
    return redirect(_meeting_url(meeting))


@require_POST
def meeting_request_updates(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get_for(request.user, pk, for_chair=True)
    try:
        sent = services.update_requests_send(meeting=meeting, by=_actor(request))
    except services.IllegalTransition as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, f"{sent} update requests sent to agencies")
    return redirect(_meeting_url(meeting))


@require_POST
def meeting_add_person(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get_for(request.user, pk, for_chair=True)
    form = AddPersonForm(request.POST)
    if form.is_valid():
        found = (
            person_list_for(request.user)
            .filter(reference__iexact=form.cleaned_data["reference"].strip())
            .values_list("pk", flat=True)
            .first()
        )
        if found is None:
            form.add_error("reference", "No one you can see has that case reference")
        else:
            person = person_get_for(request.user, found)
            try:
                services.agenda_item_add(meeting=meeting, person=person, by=_actor(request))
            except REFUSED as refused:
                form.add_error("reference", str(refused))
            else:
                messages.success(request, f"{person.full_name} added to the agenda")
                return redirect(_meeting_url(meeting))
    return render(
        request,
        "panels/add_person.html",
        {"meeting": meeting, "panel_type": meeting.panel_type, "form": form},
        status=400,
    )


@require_POST
def meeting_notes(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get_for(request.user, pk, for_chair=True)
    form = MeetingNotesForm(request.POST, classes=selectors.panel_text_classes(meeting.panel_type))

    def write(data: dict[str, Any]) -> None:
        services.meeting_notes_update(
            meeting=meeting, notes=data["notes"], sensitivity=data["notes_sensitivity"],
            version=data["version"], by=_actor(request),
        )  # fmt: skip

    saved = _submit(request, form, write, done="Notes saved", to=_meeting_url(meeting))
    return saved or _meeting_page(request, meeting, notes_form=form)


@require_http_methods(["GET", "POST"])
def meeting_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get_for(request.user, pk, for_chair=request.method == "POST")
    agencies = selectors.member_agencies(meeting.panel_type)
    recorded = {a.agency_id: a for a in meeting.attendance.all()}
    forms = [
        (
            agency,
            AttendanceForm(
                request.POST or None,
                prefix=agency.code,
                initial={
                    "status": getattr(recorded.get(agency.pk), "status", ""),
                    "representative": getattr(recorded.get(agency.pk), "representative", ""),
                    "declarations": getattr(recorded.get(agency.pk), "declarations", ""),
                },
            ),
        )
        for agency in agencies
    ]
    error = ""
    if request.method == "POST" and all(form.is_valid() for _, form in forms):
        entries = [services.AttendanceEntry(agency, **form.cleaned_data) for agency, form in forms]
        try:
            services.attendance_record_many(
                meeting=meeting,
                entries=entries,
                by=_actor(request),
            )
        except REFUSED as refused:
            error = str(refused)
        else:
            messages.success(request, "Attendance saved")
            return redirect(_meeting_url(meeting))
    errors = [(agency, form) for agency, form in forms if form.errors]
    return render(
        request,
        "panels/attendance.html",
        {
            "meeting": meeting,
            "panel_type": meeting.panel_type,
            "forms": forms,
            "errors": errors,
            "error": error,
            "is_chair": selectors.is_chair(request.user, meeting.panel_type),
        },
        status=400 if errors or error else 200,
    )


def _item_context(request: HttpRequest, item: Any, **forms: Any) -> dict[str, Any]:
    meeting = item.meeting
    agencies = services.permitted_agencies(meeting.panel_type)
    classes = selectors.panel_text_classes(meeting.panel_type)
    context = {
        "item": item,
        "meeting": meeting,
        "panel_type": meeting.panel_type,
        "person": item.person,
        "is_chair": selectors.is_chair(request.user, meeting.panel_type),
        "running": meeting.status == MeetingStatus.IN_PROGRESS,
        **selectors.item_papers_for(request.user, item),
        "class_labels": selectors.CLASS_LABELS,
        "brag_labels": dict(Brag.choices),
        "discussion_form": DiscussionForm(
            initial={
                "discussion": item.discussion,
                "discussion_sensitivity": item.discussion_sensitivity,
                "version": item.version,
            },
            classes=classes,
        ),
        "decision_form": DecisionForm(
            panel_type=meeting.panel_type,
            current_brag=item.person.brag,
            classes=classes,
            initial={"person_version": item.person.version, "brag": ""},
        ),
        "action_form": ActionForm(agencies=agencies),
    }
    context.update(forms)
    return context


@require_GET
def meeting_document(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """A PDF copy for the user's own agency, or (chairs only) for another
    member agency they are sending it to."""
    meeting = selectors.meeting_get_for(request.user, pk)
    own = agency_of(request.user)
    code = request.GET.get("for", "")
    recipient = own
    if code and (own is None or code != own.code):
        meeting = selectors.meeting_get_for(request.user, pk, for_chair=True)
        recipient = next(
            (a for a in services.permitted_agencies(meeting.panel_type) if a.code == code), None
        )
        if recipient is None:
            raise Http404("No such member agency.")
    if recipient is None:
        raise Http404("No agency.")
    try:
        content = services.meeting_document_disclose(
            meeting=meeting,
            recipient=recipient,
            kind=kind,
            by=_actor(request),
        )
    except ValueError as refused:
        raise PermissionDenied(str(refused)) from refused
    name = f"{meeting.panel_type.code}-{meeting.date:%Y-%m-%d}-{kind}-{recipient.code}.pdf"
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.item_get_for(request.user, pk)
    return render(request, "panels/item.html", _item_context(request, item))


def _item_submit(
    request: HttpRequest,
    item: Any,
    name: str,
    form: forms.Form,
    write: Callable[[dict[str, Any]], object],
    *,
    done: str,
) -> HttpResponse:
    """One of the item page's forms (`name` in its context): written through
    `write` and back to the item, or the item page again with the errors."""
    saved = _submit(request, form, write, done=done, to=reverse("panels:item", args=[item.pk]))
    if saved is not None:
        return saved
    context = _item_context(request, item, **{name: form})
    return render(request, "panels/item.html", context, status=400)


@require_POST
def item_discussion(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.item_get_for(request.user, pk, for_chair=True)
    form = DiscussionForm(
        request.POST, classes=selectors.panel_text_classes(item.meeting.panel_type)
    )

    def write(data: dict[str, Any]) -> None:
        services.agenda_item_discussion(
            item=item, discussion=data["discussion"], version=data["version"],
            sensitivity=data["discussion_sensitivity"], by=_actor(request),
        )  # fmt: skip

    return _item_submit(
        request, item, "discussion_form", form, write, done="Discussion notes saved"
    )


@require_POST
def item_decision(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.item_get_for(request.user, pk, for_chair=True)
    form = DecisionForm(
        request.POST,
        panel_type=item.meeting.panel_type,
        current_brag=item.person.brag,
        classes=selectors.panel_text_classes(item.meeting.panel_type),
    )

    def write(data: dict[str, Any]) -> None:
        services.decision_record(
            item=item,
            outcome=data["outcome"],
            rationale=data["rationale"],
            cohort=data["cohort"],
            mappa_category=data["mappa_category"],
            brag=data["brag"],
            brag_reason=data["brag_reason"],
            person_version=data["person_version"],
            sensitivity=data["sensitivity"],
            by=_actor(request),
        )

    return _item_submit(request, item, "decision_form", form, write, done="Decision recorded")


@require_POST
def item_action(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.item_get_for(request.user, pk, for_chair=True)
    form = ActionForm(request.POST, agencies=services.permitted_agencies(item.meeting.panel_type))

    def write(data: dict[str, Any]) -> None:
        services.action_create(
            meeting=item.meeting,
            item=item,
            description=data["description"],
            owner_agency=data["owner_agency"],
            owner_user=data["owner_user"],
            due_date=data["due_date"],
            by=_actor(request),
        )

    return _item_submit(request, item, "action_form", form, write, done="Action added")


@require_GET
def action_tracker(request: HttpRequest) -> HttpResponse:
    view = request.GET.get("view", "mine")
    if view not in selectors.TRACKER_VIEWS:
        view = "mine"
    status = request.GET.get("status", "open")
    if status not in selectors.TRACKER_STATUSES and status != "any":
        status = "open"
    today = timezone.localdate()
    actions = selectors.action_list_for(
        request.user, view=view, status="" if status == "any" else status, today=today
    )
    page = CappedPaginator(actions, 25).get_page(request.GET.get("page"))
    audit_people_listed(
        actor=request.user,
        listed="panels.actions",
        person_ids=sorted({a.person_id for a in page.object_list if a.person_id}),
        query={"view": view, "status": status, "page": page.number},
        actions=[a.pk for a in page.object_list],
    )
    return render(
        request,
        "panels/actions.html",
        {
            "page": page,
            "view": view,
            "status": status,
            "views": selectors.TRACKER_VIEWS,
            "statuses": selectors.TRACKER_STATUSES,
            "today": today,
            "rows": [(a, a.tracker_status(today)) for a in page.object_list],
        },
    )


@require_http_methods(["GET", "POST"])
def action_detail(request: HttpRequest, pk: int) -> HttpResponse:
    action = selectors.action_get_for(request.user, pk, for_change=request.method == "POST")
    form = ActionCloseForm(request.POST or None, initial={"version": action.version})

    def write(data: dict[str, Any]) -> None:
        services.ACTION_SERVICES[data["status"]](
            action=action, note=data["note"], version=data["version"], by=_actor(request)
        )

    to = reverse("panels:action", args=[action.pk])
    saved = _submit(request, form, write, done="Action updated", to=to)
    today = timezone.localdate()
    return saved or render(
        request,
        "panels/action.html",
        {
            "action": action,
            "form": form,
            "may_change": selectors.action_may_change(request.user, action),
            "tracker_status": action.tracker_status(today),
        },
        status=400 if form.errors else 200,
    )


@require_GET
def update_list(request: HttpRequest) -> HttpResponse:
    requests = list(selectors.update_requests_for(request.user)[:200])
    audit_people_listed(
        actor=request.user,
        listed="panels.updates",
        person_ids=sorted({r.item.person_id for r in requests}),
    )
    return render(request, "panels/updates.html", {"requests": requests})


@require_http_methods(["GET", "POST"])
def update_respond(request: HttpRequest, pk: int) -> HttpResponse:
    update = selectors.update_request_get_for(request.user, pk)
    # The page names the person the panel asks about: a consultation.
    audit_record(
        action=Action.CONSULT, actor=request.user, obj=update, person_id=update.item.person_id
    )
    form = UpdateResponseForm(
        request.POST or None,
        initial={"response": update.response, "sensitivity": update.sensitivity},
        classes=visible_sensitivities(update.agency),
    )

    def write(data: dict[str, Any]) -> None:
        services.update_respond(
            request=update,
            response=data["response"],
            sensitivity=data["sensitivity"],
            by=_actor(request),
        )

    to = reverse("panels:updates")
    saved = _submit(request, form, write, done="Update sent to the panel", to=to)
    return saved or render(
        request,
        "panels/update_respond.html",
        {"update": update, "form": form},
        status=400 if form.errors else 200,
    )


@require_GET
def panel_tracker(request: HttpRequest, pk: int) -> HttpResponse:
    """The live tracker a chair keeps open: the panel's cohort at a glance."""
    panel_type = selectors.panel_type_get_for(request.user, pk)
    today = timezone.localdate()
    brag = request.GET.get("brag", "")
    people = selectors.panel_tracker(request.user, panel_type, today=today, brag=brag)
    page = CappedPaginator(people, 50).get_page(request.GET.get("page"))
    rows = [
        (person, selectors.review_due(panel_type, person.last_discussed))
        for person in page.object_list
    ]
    audit_people_listed(
        actor=request.user,
        listed="panels.tracker",
        person_ids=[person.pk for person, _ in rows],
        query={"brag": brag, "page": page.number},
        obj=panel_type,
    )
    return render(
        request,
        "panels/tracker.html",
        {
            "panel_type": panel_type,
            "page": page,
            "rows": rows,
            "brag": brag,
            "brags": Brag.choices,
            "today": today,
        },
    )


@require_GET
def overlap(request: HttpRequest) -> HttpResponse:
    """People discussed at more than one panel, which leads, and their actions."""
    today = timezone.localdate()
    rows = selectors.overlap_list_for(request.user, today=today)
    audit_people_listed(
        actor=request.user, listed="panels.overlap", person_ids=[row.person.pk for row in rows]
    )
    return render(request, "panels/overlap.html", {"rows": rows, "today": today})
