"""Forms for every practitioner write. Each view loads the person for change
(404 outsider, 403 read-only), validates a form and calls one service."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import ModelChoiceField
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from rrcase.access.roles import PERSON_WRITE_ROLES
from rrcase.access.selectors import agency_of, role_of, visible_sensitivities

from .. import appointments_views, selectors, services
from ..forms import (
    AssessmentForm,
    BragForm,
    CohortAdoptForm,
    CohortDeselectForm,
    ContactForm,
    DisposalTerminateForm,
    EnforcementForm,
    MergeByReferenceForm,
    MergeForm,
    PersonCreateForm,
    PersonEditForm,
)
from ..models import Cohort, CohortMembership, Person
from ..services import StaleEdit
from .access import person_role_required


def _overview(person: Person) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("offenders:person", args=[person.pk]))


def _form_page(
    request: HttpRequest, person: Person | None, title: str, form: Any, **context: Any
) -> HttpResponse:
    return render(
        request,
        "offenders/form.html",
        {"person": person, "title": title, "form": form, **context},
        status=200,
    )


def _service_errors(form: Any, error: Exception) -> None:
    if isinstance(error, ValidationError):
        for message in error.messages:
            form.add_error(None, message)
    else:
        form.add_error(None, str(error))


def _write_page(
    request: HttpRequest,
    person: Person,
    form: Any,
    write: Callable[[dict[str, Any]], object],
    *,
    title: str,
    button: str,
    done: str,
    then: str = "offenders:person",
    stale: str | None = None,
    **context: Any,
) -> HttpResponse:
    """A page that records one thing about a person. On a valid POST, `write`
    calls the service with the form's clean values; then the confirmation
    banner and the person's page `then` (a URL name). If the service refuses,
    its reasons join the form's errors and the form is shown again, as typed.
    A stale edit is shown that way too with `stale` after it, when given; else
    StaleEdit is left to the caller."""
    if request.method == "POST" and form.is_valid():
        try:
            write(form.cleaned_data)
        except StaleEdit as error:
            if stale is None:
                raise
            form.add_error(None, f"{error} {stale}")
        except (ValidationError, ValueError) as error:
            _service_errors(form, error)
        else:
            messages.success(request, done)
            return HttpResponseRedirect(reverse(then, args=[person.pk]))
    return _form_page(request, person, title, form, button=button, **context)


def person_create(request: HttpRequest) -> HttpResponse:
    """A new person led by the user's agency, after duplicate checks."""
    agency = agency_of(request.user)
    if role_of(request.user) not in PERSON_WRITE_ROLES or agency is None:
        raise PermissionDenied("Your role cannot add people.")
    form = PersonCreateForm(request.POST or None)
    duplicates = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        duplicates = selectors.person_duplicates_for(
            request.user,
            reference=data["reference"],
            pnc_id=data["pnc_id"],
            given_name=data["given_name"],
            family_name=data["family_name"],
            date_of_birth=data["date_of_birth"],
        )
        if duplicates.reference_taken:
            form.add_error("reference", "A person with this case reference already exists")
        if duplicates.pnc_match is not None:
            form.add_error("pnc_id", "A person with this PNC ID already exists")
        elif duplicates.pnc_match_hidden:
            form.add_error(
                "pnc_id",
                "A person with this PNC ID already exists but your agency has no access to "
                "them: ask the partnership's system administrator",
            )
        if not form.errors and duplicates.similar and not data["confirmed"]:
            posted = [(k, v) for k, v in request.POST.items() if k != "csrfmiddlewaretoken"]
            return render(
                request,
                "offenders/person_create_similar.html",
                {"similar": duplicates.similar, "posted": posted, "data": data},
            )
        if not form.errors:
            fields = {k: data[k] for k in ("pnc_id", "nomis_number", "ethnicity", "gender")}
            person = services.person_create(
                reference=data["reference"].strip(),
                given_name=data["given_name"].strip(),
                family_name=data["family_name"].strip(),
                date_of_birth=data["date_of_birth"],
                lead_agency=agency,
                by=request.user,  # type: ignore[arg-type]
                **fields,
            )
            messages.success(request, f"{person.full_name} has been added")
            return _overview(person)
    return _form_page(
        request,
        None,
        "Add a person",
        form,
        pnc_match=duplicates.pnc_match if duplicates else None,
        intro=f"The lead agency will be {agency.name}.",
        button="Add person",
    )


@person_role_required
def person_edit(request: HttpRequest, person_id: int) -> HttpResponse:
    person = selectors.person_get_for(request.user, person_id, for_change=True)
    initial = {name: getattr(person, name) for name in PersonEditForm.CHANGES}
    form = PersonEditForm(
        request.POST or None,
        initial={**initial, "version": person.version},
        staff=selectors.allocatable_staff(person),
    )

    def update(data: dict[str, Any]) -> Person:
        changes = {name: data[name] for name in form.CHANGES if data[name] != initial[name]}
        return services.person_update(
            person=person,
            version=data["version"],
            by=request.user,  # type: ignore[arg-type]
            **changes,
        )

    try:
        return _write_page(
            request,
            person,
            form,
            update,
            title="Edit details",
            button="Save changes",
            done="Details updated",
        )
    except StaleEdit:
        return _stale(request, person, form, PersonEditForm.CHANGES, "Edit details")


def _stale(
    request: HttpRequest,
    person: Person,
    form: Any,
    fields: tuple[str, ...],
    title: str,
    attributes: dict[str, str] | None = None,
    their_note: str = "",
) -> HttpResponse:
    """Someone else changed the record: show what they changed next to what this
    user typed, and the user's form again, now based on the current version."""
    current = selectors.person_current_for(request.user, person)
    rows = []
    for name in fields:
        field = form.fields[name]
        attribute = (attributes or {}).get(name, name)
        theirs = getattr(current, attribute)
        mine = form.cleaned_data.get(name)
        display = getattr(current, f"get_{attribute}_display", None)
        if isinstance(field, ModelChoiceField):
            shown_theirs, shown_mine = (
                (u.get_full_name() or u.get_username()) if u is not None else ""
                for u in (theirs, mine)
            )
        else:
            shown_theirs = display() if display else theirs
            shown_mine = dict(getattr(field, "choices", [])).get(mine, mine)
        rows.append(
            {
                "label": field.label,
                "theirs": shown_theirs,
                "mine": shown_mine,
                "differs": theirs != mine,
            }
        )
    data = request.POST.copy()
    data["version"] = str(current.version)
    fresh = type(form)(data, **getattr(form, "_extra_kwargs", {}))
    fresh.is_valid()
    return render(
        request,
        "offenders/stale.html",
        {"person": current, "rows": rows, "form": fresh, "title": title, "their_note": their_note},
        status=409,
    )


@person_role_required
def brag(request: HttpRequest, person_id: int) -> HttpResponse:
    person = selectors.person_get_for(request.user, person_id, for_change=True)
    form = BragForm(request.POST or None, initial={"version": person.version}, current=person.brag)
    try:
        return _write_page(
            request,
            person,
            form,
            lambda data: services.brag_change(
                person=person,
                status=data["status"],
                reason=data["reason"],
                version=data["version"],
                by=request.user,  # type: ignore[arg-type]
            ),
            title="Change BRAG status",
            button="Change BRAG",
            done="BRAG status changed",
        )
    except StaleEdit:
        latest = selectors.brag_latest_for(request.user, person)
        return _stale(
            request,
            person,
            form,
            ("status",),
            "Change BRAG status",
            {"status": "brag"},
            their_note=f"Their reason: {latest.reason}" if latest else "",
        )


@person_role_required
def contact(request: HttpRequest, person_id: int) -> HttpResponse:
    person = selectors.person_get_for(request.user, person_id, for_change=True)
    classes = visible_sensitivities(agency_of(request.user))
    form = ContactForm(request.POST or None, visible_classes=classes)
    return _write_page(
        request,
        person,
        form,
        lambda data: services.contact_record(
            person=person,
            kind=data["kind"],
            occurred_on=data["occurred_on"],
            outcome=data["outcome"],
            notes=data["notes"],
            drug_test_result=data["drug_test_result"],
            substances=data["substances"],
            sensitivity=data["sensitivity"],
            by=request.user,  # type: ignore[arg-type]
        ),
        title="Record a contact",
        button="Record contact",
        done="Contact recorded",
        then="offenders:person-activity",
    )


@person_role_required
def enforcement(request: HttpRequest, person_id: int) -> HttpResponse:
    person = selectors.person_get_for(request.user, person_id, for_change=True)
    classes = visible_sensitivities(agency_of(request.user))
    form = EnforcementForm(
        request.POST or None,
        visible_classes=classes,
        initial=appointments_views.enforcement_initial(request, person),
    )
    return _write_page(
        request,
        person,
        form,
        lambda data: services.enforcement_record(
            person=person,
            kind=data["kind"],
            occurred_at=data["occurred_at"],
            decision_at=data.get("decision_at"),
            notes=data["notes"],
            sensitivity=data["sensitivity"],
            by=request.user,  # type: ignore[arg-type]
        ),
        title="Record enforcement",
        button="Record enforcement",
        done="Enforcement recorded",
        then="offenders:person-sentence",
    )


@person_role_required
def assessment(request: HttpRequest, person_id: int) -> HttpResponse:
    person = selectors.person_get_for(request.user, person_id, for_change=True)
    form = AssessmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.assessment_record(
                person=person,
                assessed_on=data["assessed_on"],
                rosh=data["rosh"],
                ogrs3_1y=data["ogrs3_1y"],
                ogrs3_2y=data["ogrs3_2y"],
                ovp_2y=data["ovp_2y"],
                predicted_3m=data["predicted_3m"],
                by=request.user,  # type: ignore[arg-type]
            )
        except ValidationError:
            form.add_error("assessed_on", "There is already an assessment on this date")
        else:
            messages.success(request, "Assessment recorded")
            return _overview(person)
    return _form_page(request, person, "Record an assessment", form, button="Record assessment")


ADOPT_SESSION = "cohort_adopt"


@person_role_required
def cohort_adopt(request: HttpRequest, person_id: int) -> HttpResponse:
    """Step 1 of 2: what and why. The answers wait in the session for the
    check-your-answers page; nothing is saved yet."""
    person = selectors.person_get_for(request.user, person_id, for_change=True)
    pending = request.session.get(ADOPT_SESSION, {}).get(str(person.pk))
    initial = dict(pending or {})
    if initial.get("start_date"):
        initial["start_date"] = date.fromisoformat(initial["start_date"])
    form = CohortAdoptForm(
        request.POST or None, initial=initial or {"start_date": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        data = {**form.cleaned_data, "start_date": form.cleaned_data["start_date"].isoformat()}
        store = dict(request.session.get(ADOPT_SESSION, {}))
        store[str(person.pk)] = data
        request.session[ADOPT_SESSION] = store
        return HttpResponseRedirect(reverse("offenders:cohort-adopt-check", args=[person.pk]))
    return _form_page(request, person, "Adopt into a cohort", form, button="Continue")


@person_role_required
def cohort_adopt_check(request: HttpRequest, person_id: int) -> HttpResponse:
    """Step 2 of 2: check your answers, then adopt."""
    person = selectors.person_get_for(request.user, person_id, for_change=True)
    pending = request.session.get(ADOPT_SESSION, {}).get(str(person.pk))
    if not pending:
        return HttpResponseRedirect(reverse("offenders:cohort-adopt", args=[person.pk]))
    error = ""
    if request.method == "POST":
        try:
            membership = services.cohort_adopt(
                person=person,
                cohort=pending["cohort"],
                start_date=date.fromisoformat(pending["start_date"]),
                reason=pending["reason"],
                strand=pending.get("strand") or "",
                mappa_category=pending.get("mappa_category"),
                mappa_level=pending.get("mappa_level"),
                by=request.user,  # type: ignore[arg-type]
            )
        except (ValidationError, ValueError) as problem:
            error = "; ".join(getattr(problem, "messages", [str(problem)]))
        else:
            store = dict(request.session.get(ADOPT_SESSION, {}))
            store.pop(str(person.pk), None)
            request.session[ADOPT_SESSION] = store
            messages.success(request, f"Adopted into {membership.get_cohort_display()}")
            return _overview(person)
    answers = [
        ("Cohort", Cohort(pending["cohort"]).label),
        ("Adoption date", date.fromisoformat(pending["start_date"])),
        ("Reason", pending["reason"]),
    ]
    if pending["cohort"] == Cohort.IOM:
        answers.insert(1, ("IOM strand", str(pending.get("strand", "")).capitalize()))
    if pending["cohort"] == Cohort.MAPPA:
        answers.insert(1, ("MAPPA category", f"Category {pending['mappa_category']}"))
        answers.insert(2, ("MAPPA level", f"Level {pending['mappa_level']}"))
    return render(
        request,
        "offenders/cohort_adopt_check.html",
        {"person": person, "answers": answers, "error": error},
    )


@person_role_required
def cohort_deselect(request: HttpRequest, person_id: int, membership_id: int) -> HttpResponse:
    person = selectors.person_get_for(request.user, person_id, for_change=True)
    membership = get_object_or_404(
        CohortMembership, pk=membership_id, person=person, end_date__isnull=True
    )
    form = CohortDeselectForm(
        request.POST or None,
        initial={"version": membership.version, "end_date": timezone.localdate()},
    )
    return _write_page(
        request,
        person,
        form,
        lambda data: services.cohort_deselect(
            membership=membership,
            end_date=data["end_date"],
            reason=data["reason"],
            version=data["version"],
            by=request.user,  # type: ignore[arg-type]
        ),
        title=f"De-select from {membership.get_cohort_display()}",
        button="De-select",
        done=f"De-selected from {membership.get_cohort_display()}",
        stale="Check the membership and try again.",
        intro=f"Adopted on {membership.start_date:%-d %B %Y}: {membership.selection_reason}",
    )


@person_role_required
def disposal_terminate(request: HttpRequest, person_id: int, disposal_id: int) -> HttpResponse:
    """Record the day a sentence or order ended and why (Sentence & compliance tab)."""
    person = selectors.person_get_for(request.user, person_id, for_change=True)
    disposal = get_object_or_404(selectors.disposal_list_for(request.user, person), pk=disposal_id)
    if request.method != "POST" and disposal.terminated_date is not None:
        raise Http404("This sentence or order has already ended.")
    form = DisposalTerminateForm(
        request.POST or None,
        initial={"version": disposal.version, "terminated_date": timezone.localdate()},
        start_date=disposal.start_date,
    )
    due = f", due to end {disposal.end_date:%-d %B %Y}" if disposal.end_date else ""
    return _write_page(
        request,
        person,
        form,
        lambda data: services.disposal_terminate(
            disposal=disposal,
            terminated_date=data["terminated_date"],
            reason=data["reason"],
            version=data["version"],
            by=request.user,  # type: ignore[arg-type]
        ),
        title="Record the end of a sentence or order",
        button="Record the end",
        done=f"{disposal.get_type_display()} ended",
        then="offenders:person-sentence",
        stale="Check the sentence or order and try again.",
        intro=f"{disposal.get_type_display()} from {disposal.start_date:%-d %B %Y}{due}.",
    )


def person_merge(request: HttpRequest, person_id: int) -> HttpResponse:
    """The lead agency's admin merges a duplicate record into this one, from its
    page (which shows the person: selectors.person_get_for_merge)."""
    person = selectors.person_get_for_merge(request.user, person_id)
    form = MergeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        reference = form.cleaned_data["duplicate_reference"].strip()
        duplicate = selectors.person_merge_duplicate_for(
            request.user, reference=reference, keep=person
        )
        if duplicate is None:
            form.add_error("duplicate_reference", NOT_MERGEABLE)
        else:
            try:
                services.person_merge(
                    survivor=person,
                    duplicate=duplicate,
                    justification=form.cleaned_data["justification"],
                    by=request.user,  # type: ignore[arg-type]
                )
            except ValueError as error:
                _service_errors(form, error)
            else:
                messages.success(request, f"{reference} was merged into {person.reference}")
                return _overview(person)
    return _form_page(request, person, "Merge a duplicate record", form, button="Merge records")


# The same words for a reference that does not exist and one the user may not
# merge (another agency's, restricted without them): the page reveals nothing.
NOT_MERGEABLE = "There is no other record with this reference that you may merge"


def person_merge_by_reference(request: HttpRequest) -> HttpResponse:
    """Administrators merge two records named by case reference, and are shown
    no one: a system admin, who never sees people, works from the references an
    agency admin who can see both gave them (docs/access.md "Merging records").
    The confirmation repeats only the references they typed."""
    if role_of(request.user) not in selectors.MERGE_ROLES:
        raise PermissionDenied("Only administrators merge records.")
    form = MergeByReferenceForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        keep, duplicate = selectors.person_merge_pair_for(
            request.user,
            keep_reference=data["keep_reference"],
            duplicate_reference=data["duplicate_reference"],
        )
        if keep is None:
            form.add_error("keep_reference", NOT_MERGEABLE.replace("other ", ""))
        if duplicate is None:
            form.add_error("duplicate_reference", NOT_MERGEABLE.replace("other ", ""))
        if keep is not None and duplicate is not None:
            try:
                services.person_merge(
                    survivor=keep,
                    duplicate=duplicate,
                    justification=data["justification"],
                    by=request.user,  # type: ignore[arg-type]
                )
            except ValueError as error:
                _service_errors(form, error)
            else:
                messages.success(
                    request,
                    f"{data['duplicate_reference'].strip()} was merged into "
                    f"{data['keep_reference'].strip()}",
                )
                return HttpResponseRedirect(reverse("offenders:merge"))
    return _form_page(
        request,
        None,
        "Merge two records",
        form,
        button="Merge records",
        back=reverse("core:home"),  # not the case list: system admins may not open it
        intro="Give the case references of the two records. You will not be shown either "
        "person: if you cannot see them, ask an administrator of the agency that leads "
        "them for the references.",
    )
