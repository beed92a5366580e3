"""Pathways pages. Each view loads through a scoped selector (people through
offenders.selectors.person_get_for: 404 outsider, 403 not permitted) and
changes things only through pathways/services.py."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_http_methods, require_POST

from offenders.models import Cohort, Person
from offenders.selectors import person_get_for
from rrcase.access.roles import PERSON_READ_ROLES, PERSON_WRITE_ROLES
from rrcase.access.selectors import agency_of, role_of
from rrcase.audit.models import Action
from rrcase.audit.services import audit_people_listed, audit_record
from rrcase.core.pagination import CappedPaginator

from . import selectors, services
from .forms import (
    AssessmentForm,
    NeedForm,
    NeedNoteForm,
    NeedUpdateForm,
    OutcomeForm,
    ReferralActionForm,
    ReferralForm,
)
from .models import OUTCOME_VALUES, OutcomeKind, Pathway, Referral, ReferralState
from .services import REFERRAL_TRANSITIONS, SENDER, StaleEdit

# --- helpers -------------------------------------------------------------------------


def _actor(request: HttpRequest) -> User:
    """The signed-in user (LoginRequiredMiddleware: never anonymous here)."""
    return cast(User, request.user)


def _person(request: HttpRequest, person_id: int, *, for_change: bool = False) -> Person:
    """The person for a pathways page: 403 for roles that never open people's
    records (analysts, system admins), then person_get_for's 404 / 403."""
    if role_of(request.user) not in PERSON_READ_ROLES:
        audit_record(
            action=Action.ACCESS_DENIED,
            actor=request.user,
            person_id=person_id,
            details={"object": "pathways", "reason": "role has no access to person records"},
        )
        raise PermissionDenied("Your role does not give access to people's records.")
    return person_get_for(request.user, person_id, for_change=for_change)


def plan_url(person_id: int) -> str:
    """The person page's Pathways tab when the person page is mounted, else the
    pathway plan page."""
    try:
        return reverse("offenders:person-pathways", args=[person_id])
    except NoReverseMatch:
        return reverse("pathways:plan", args=[person_id])


def _stale(request: HttpRequest, error: StaleEdit, back: str) -> HttpResponse:
    return render(request, "pathways/stale.html", {"message": str(error), "back": back}, status=409)


def _render_form(request: HttpRequest, template: str, **context: Any) -> HttpResponse:
    form = context.get("form")
    status = 400 if form is not None and form.is_bound and form.errors else 200
    return render(request, template, context, status=status)


# --- a person's pathway plan ---------------------------------------------------------


def plan(request: HttpRequest, person_id: int) -> HttpResponse:
    """The whole pathway plan on one printable page (the person page's Pathways
    tab shows the same, inside the person page)."""
    person = _person(request, person_id)
    return render(
        request,
        "pathways/plan.html",
        selectors.person_tab_context(request.user, person),
    )


@require_http_methods(["GET", "POST"])
def need_add(request: HttpRequest, person_id: int) -> HttpResponse:
    person = _person(request, person_id, for_change=True)
    need_types = list(selectors.need_types_active())
    form = NeedForm(
        request.POST if request.method == "POST" else None,
        need_types=need_types,
        initial={"responsible_agency": agency_of(request.user)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            need = services.need_record(
                person=person,
                need_type=data["need_type_obj"],
                by=_actor(request),
                detail=data["detail"],
                status=data["status"],
                responsible_agency=data["responsible_agency"],
                responsibility=data["responsibility"],
                note=data["note"],
            )
        except ValueError as error:
            form.add_error("need_type", str(error))
        else:
            messages.success(request, f"Need recorded: {need}")
            return HttpResponseRedirect(plan_url(person.pk))
    return _render_form(request, "pathways/need_form.html", person=person, form=form,
                        back=plan_url(person.pk))  # fmt: skip


@require_http_methods(["GET", "POST"])
def assess(request: HttpRequest, person_id: int, pathway_code: str) -> HttpResponse:
    person = _person(request, person_id, for_change=True)
    pathway = Pathway.objects.filter(code=pathway_code, is_active=True).first()
    if pathway is None:
        raise Http404("No such pathway.")
    current = selectors.assessment_for(person, pathway)
    initial: dict[str, Any] = {"version": current.version if current else 0}
    if current:
        initial.update(level=current.level, responsibility=current.responsibility,
                       responsible_agency=current.responsible_agency_id)  # fmt: skip
    else:
        initial.update(responsibility="community", responsible_agency=agency_of(request.user))
    form = AssessmentForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.pathway_assess(
                person=person,
                pathway=pathway,
                level=data["level"],
                responsibility=data["responsibility"],
                responsible_agency=data["responsible_agency"],
                version=data["version"],
                by=_actor(request),
            )
        except StaleEdit as error:
            return _stale(request, error, plan_url(person.pk))
        messages.success(request, f"{pathway.name}: level of need saved")
        return HttpResponseRedirect(plan_url(person.pk))
    return _render_form(request, "pathways/assess_form.html", person=person, pathway=pathway,
                        form=form, back=plan_url(person.pk))  # fmt: skip


@require_http_methods(["GET", "POST"])
def need_detail(request: HttpRequest, person_id: int, need_id: int) -> HttpResponse:
    """A need, its referrals and its dated notes history; its status form."""
    person = _person(request, person_id, for_change=request.method == "POST")
    need = selectors.need_get_for(request.user, person, need_id)
    may_change = selectors.person_may_change(request.user, person)
    form = NeedUpdateForm(
        request.POST if request.method == "POST" else None,
        initial={
            "version": need.version,
            "status": need.status,
            "responsible_agency": need.responsible_agency_id,
            "responsibility": need.responsibility,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.need_update(
                need=need,
                version=data["version"],
                status=data["status"],
                responsible_agency=data["responsible_agency"],
                responsibility=data["responsibility"],
                note=data["note"],
                by=_actor(request),
            )
        except StaleEdit as error:
            return _stale(request, error, request.path)
        messages.success(request, "Need updated")
        return HttpResponseRedirect(request.path)
    return _need_page(request, person, need, form=form, note_form=NeedNoteForm(),
                      may_change=may_change)  # fmt: skip


def _need_page(
    request: HttpRequest, person: Person, need: Any, *, form: Any, note_form: Any, may_change: bool
) -> HttpResponse:
    """The need page: its status form, notes history and referrals."""
    return _render_form(
        request,
        "pathways/need_detail.html",
        person=person,
        need=need,
        notes=selectors.need_notes(need),
        referrals=selectors.referral_list_for(request.user).filter(need=need),
        form=form,
        note_form=note_form,
        may_change=may_change,
        back=plan_url(person.pk),
    )


@require_POST
def need_note_add(request: HttpRequest, person_id: int, need_id: int) -> HttpResponse:
    person = _person(request, person_id, for_change=True)
    need = selectors.need_get_for(request.user, person, need_id)
    form = NeedNoteForm(request.POST)
    if form.is_valid():
        services.need_note_add(need=need, text=form.cleaned_data["text"], by=_actor(request))
        messages.success(request, "Note added")
        return HttpResponseRedirect(reverse("pathways:need", args=[person.pk, need.pk]))
    status_form = NeedUpdateForm(initial={"version": need.version, "status": need.status,
                                          "responsibility": need.responsibility})  # fmt: skip
    return _need_page(request, person, need, form=status_form, note_form=form, may_change=True)


@require_http_methods(["GET", "POST"])
def referral_add(request: HttpRequest, person_id: int, need_id: int) -> HttpResponse:
    person = _person(request, person_id, for_change=True)
    need = selectors.need_get_for(request.user, person, need_id)
    options = selectors.services_for_need(need)
    form = ReferralForm(request.POST if request.method == "POST" else None, services=options)
    if request.method == "POST" and form.is_valid():
        service = form.services[form.cleaned_data["service"]]
        user = _actor(request)
        try:
            referral = services.referral_create(
                need=need,
                service=service,
                reason=form.cleaned_data["reason"],
                by=user,
            )
            if request.POST.get("send") is not None:
                referral = services.referral_send(
                    referral=referral,
                    by=user,
                    version=referral.version,
                )
        except ValueError as error:
            form.add_error("service", str(error))
        else:
            sent = referral.state == ReferralState.SENT
            messages.success(
                request, f"Referral {'sent' if sent else 'saved as a draft'}: {service.name}"
            )
            return HttpResponseRedirect(reverse("pathways:referral", args=[referral.pk]))
    back = reverse("pathways:need", args=[person.pk, need.pk])
    return _render_form(request, "pathways/referral_form.html", person=person, need=need,
                        form=form, options=options, back=back)  # fmt: skip


@require_http_methods(["GET", "POST"])
def outcome_add(request: HttpRequest, person_id: int) -> HttpResponse:
    person = _person(request, person_id, for_change=True)
    form = OutcomeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            outcome = services.outcome_record(
                person=person,
                kind=data["kind"],
                value=data["value"],
                recorded_on=data["recorded_on"],
                note=data["note"],
                by=_actor(request),
            )
        except ValueError as error:
            form.add_error("outcome", str(error))
        else:
            messages.success(request, f"Outcome recorded: {outcome.value_display}")
            return HttpResponseRedirect(plan_url(person.pk))
    return _render_form(request, "pathways/outcome_form.html", person=person, form=form,
                        back=plan_url(person.pk))  # fmt: skip


# --- referrals -----------------------------------------------------------------------


def _refuse_non_person_roles(request: HttpRequest) -> None:
    if role_of(request.user) not in PERSON_READ_ROLES:
        audit_record(
            action=Action.ACCESS_DENIED,
            actor=request.user,
            details={"object": "pathways.referral", "reason": "role has no access to referrals"},
        )
        raise PermissionDenied("Your role does not give access to referrals.")


def referral_list(request: HttpRequest) -> HttpResponse:
    """Referrals my agency made."""
    _refuse_non_person_roles(request)
    page = CappedPaginator(selectors.referral_outbox_for(request.user), 25).get_page(
        request.GET.get("page")
    )
    audit_people_listed(
        actor=request.user,
        listed="pathways.referral_list",
        person_ids=[referral.person_id for referral in page],
        query={"page": page.number},
    )
    return render(request, "pathways/referral_list.html", {"page": page})


def inbox(request: HttpRequest) -> HttpResponse:
    """Referrals to my agency's services: awaiting a response (overdue first),
    then accepted and started."""
    _refuse_non_person_roles(request)
    page = CappedPaginator(selectors.referral_inbox_for(request.user), 25).get_page(
        request.GET.get("page")
    )
    audit_people_listed(
        actor=request.user,
        listed="pathways.inbox",
        person_ids=[referral.person_id for referral in page],
        query={"page": page.number},
    )
    return render(request, "pathways/inbox.html", {"page": page})


def referral_detail(request: HttpRequest, referral_id: int) -> HttpResponse:
    referral = selectors.referral_get_for(request.user, referral_id)
    return render(
        request,
        "pathways/referral_detail.html",
        {
            "referral": referral,
            "events": selectors.referral_events(referral),
            "actions": services.referral_allowed_actions(referral, _actor(request)),
        },
    )


@require_http_methods(["GET", "POST"])
def referral_action(request: HttpRequest, referral_id: int, action: str) -> HttpResponse:
    transition = REFERRAL_TRANSITIONS.get(action)
    if transition is None:
        raise Http404("No such step.")
    referral = selectors.referral_get_for(request.user, referral_id)
    # Each side takes only its own steps; the referring side changes the
    # person's plan, so it needs the change grant, while the receiving side
    # needs only the read grant its referral gave it.
    sides = services.referral_side_of(referral, _actor(request))
    if transition.side not in sides or role_of(request.user) not in PERSON_WRITE_ROLES:
        raise PermissionDenied("You cannot do this to this referral.")
    if transition.side == SENDER:
        person_get_for(request.user, referral.person_id, for_change=True, audit=False)
    form = ReferralActionForm(
        request.POST if request.method == "POST" else None,
        initial={"version": referral.version},
        label={
            "reject": "Reason for rejecting",
            "complete": "Outcome of the service",
            "disengage": "What happened",
            "withdraw": "Reason for withdrawing",
        }.get(action, ""),
        required_message=transition.needs_text,
        situation=_situation(referral) if action == "complete" else None,
    )
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            services.referral_transition(
                referral=referral,
                action=action,
                by=_actor(request),
                version=form.cleaned_data["version"],
                text=form.cleaned_data["text"],
                situation=form.cleaned_data.get("situation", ""),
            )
        except StaleEdit as stale:
            return _stale(request, stale, reverse("pathways:referral", args=[referral.pk]))
        except ValueError as refused:  # IllegalTransition, or a value the service refuses
            error = str(refused)
        else:
            after = REFERRAL_TRANSITIONS[action].target
            messages.success(request, f"Referral {ReferralState(after).label.lower()}")
            if after in (ReferralState.REJECTED, ReferralState.COMPLETED,
                         ReferralState.DISENGAGED, ReferralState.WITHDRAWN) and (
                    referral.to_agency_id == getattr(agency_of(request.user), "pk", None)
                    and referral.from_agency_id != referral.to_agency_id):  # fmt: skip
                # The receiving agency's access ends with the referral.
                return HttpResponseRedirect(reverse("pathways:inbox"))
            return HttpResponseRedirect(reverse("pathways:referral", args=[referral.pk]))
    if referral.state not in transition.sources and not error:
        error = (
            f"A {referral.get_state_display().lower()} referral cannot be "
            f"{ReferralState(transition.target).label.lower()}."
        )
    return render(
        request,
        "pathways/referral_action.html",
        {"referral": referral, "transition": transition, "form": form, "error": error},
        status=400 if (form.is_bound and form.errors) or error else 200,
    )


def _situation(referral: Referral) -> tuple[str, list[tuple[str, str]]] | None:
    kind = services.outcome_kind_for(referral.service)
    if kind is None:
        return None
    labels: dict[str, str] = {
        OutcomeKind.ACCOMMODATION: "Their accommodation now",
        OutcomeKind.ETE: "Their employment, training or education now",
        OutcomeKind.TREATMENT: "Their treatment now",
    }
    label = labels[kind]
    return label, [(str(v), str(lbl)) for v, lbl in OUTCOME_VALUES[kind].choices]


# --- directory, gaps, notifications --------------------------------------------------


def service_list(request: HttpRequest) -> HttpResponse:
    pathways = selectors.pathways_active()
    chosen = next((p for p in pathways if p.code == request.GET.get("pathway")), None)
    return render(
        request,
        "pathways/service_list.html",
        {
            "services": selectors.service_directory(pathway=chosen),
            "pathways": pathways,
            "chosen": chosen,
        },
    )


def service_detail(request: HttpRequest, service_id: int) -> HttpResponse:
    return render(
        request, "pathways/service_detail.html", {"service": selectors.service_get(service_id)}
    )


def gaps(request: HttpRequest) -> HttpResponse:
    """The partnership gap analysis: counts only, for everyone including analysts."""
    if agency_of(request.user) is None:
        raise PermissionDenied("Your account is not linked to an agency.")
    cohort = request.GET.get("cohort", "")
    if cohort not in Cohort.values:
        cohort = ""
    analysis = selectors.gap_analysis(cohort=cohort)
    return render(
        request,
        "pathways/gaps.html",
        {"analysis": analysis, "chart": _chart(analysis), "cohorts": Cohort.choices},
    )


def _chart(analysis: selectors.GapAnalysis) -> dict[str, Any]:
    """Geometry for the server-rendered SVG: per pathway, bars for open needs,
    needs referred and needs met (all counted in needs)."""
    # GOV.UK palette blue, orange and green: distinguishable and each 3:1 on white.
    series = [("open_needs", "Open needs", "#1d70b8"),
              ("needs_referred", "Needs referred", "#f47738"),
              ("needs_met", "Needs met", "#00703c")]  # fmt: skip
    biggest = max([getattr(row, key) for row in analysis.rows for key, _, _ in series] + [1])
    label_width, bar_area, bar_height, gap = 260, 380, 12, 14
    groups = []
    y = 10
    for row in analysis.rows:
        bars = []
        for index, (key, label, css) in enumerate(series):
            value = getattr(row, key)
            width = round(bar_area * value / biggest, 1)
            bars.append(
                {
                    "y": y + index * bar_height,
                    "width": width,
                    "value": value,
                    "label": label,
                    "fill": css,
                    "text_x": label_width + width + 4,
                }
            )
        groups.append({"name": row.pathway.name, "label_y": y + bar_height * 2, "bars": bars})
        y += bar_height * len(series) + gap
    return {
        "groups": groups,
        "series": series,
        "height": y + 10,
        "width": label_width + bar_area + 50,
        "label_width": label_width,
        "bar_height": bar_height - 2,
    }


@require_http_methods(["GET", "POST"])
def notifications(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        services.notifications_mark_read(user=_actor(request))
        messages.success(request, "All notifications marked as read")
        return HttpResponseRedirect(reverse("pathways:notifications"))
    page = CappedPaginator(selectors.notification_list_for(request.user), 25).get_page(
        request.GET.get("page")
    )
    # A notification about a referral names its person.
    audit_people_listed(
        actor=request.user,
        listed="pathways.notifications",
        person_ids=sorted({n.referral.person_id for n in page if n.referral_id is not None}),
        query={"page": page.number},
    )
    return render(request, "pathways/notifications.html", {"page": page})
