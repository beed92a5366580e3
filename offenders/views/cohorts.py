"""Cohort selection: candidates over the selection matrix threshold, adoption
from there, and the ledger of who joined and left each month."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from .. import selectors, services
from ..forms import CandidateAdoptForm
from ..models import Cohort, SelectionMatrix
from .access import person_role_required
from .cases import _require_person_reader, audit_list_consulted


def _matrix(request: HttpRequest, matrices: list[SelectionMatrix]) -> SelectionMatrix | None:
    wanted = request.GET.get("cohort") or request.POST.get("cohort")
    return next((m for m in matrices if m.cohort == wanted), matrices[0] if matrices else None)


def candidates(request: HttpRequest) -> HttpResponse:
    user = _require_person_reader(request)
    matrices = selectors.selection_matrices()
    matrix = _matrix(request, matrices)
    page = None
    breakdown: dict[int, list[dict[str, object]]] = {}
    if matrix is not None:
        people = selectors.selection_candidates_for(user, matrix)
        page = Paginator(people, 25).get_page(request.GET.get("page"))
        breakdown = selectors.selection_breakdown(matrix, [p.pk for p in page])
        for person in page:
            person.breakdown = breakdown.get(person.pk, [])  # type: ignore[attr-defined]
        audit_list_consulted(
            request, "offenders.cohort_candidates", page, frozenset({"cohort", "page"})
        )
    return render(
        request,
        "offenders/cohort_candidates.html",
        {"matrices": matrices, "matrix": matrix, "page": page},
    )


@require_http_methods(["GET", "POST"])
@person_role_required
def candidate_adopt(request: HttpRequest, person_id: int) -> HttpResponse:
    person = selectors.person_get_for(request.user, person_id, for_change=True)
    matrices = selectors.selection_matrices()
    matrix = _matrix(request, matrices)
    if matrix is None:
        return HttpResponseRedirect(reverse("offenders:cohort-candidates"))
    score = selectors.selection_score_for(matrix, person)
    form = CandidateAdoptForm(
        request.POST or None,
        initial={"reason": f"Selection matrix score {score} (threshold {matrix.threshold})"},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.cohort_adopt(
                person=person,
                cohort=matrix.cohort,
                start_date=timezone.localdate(),
                reason=form.cleaned_data["reason"],
                selection_score=score,
                by=request.user,  # type: ignore[arg-type]
            )
        except ValueError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, f"{person.full_name} adopted into {matrix.get_cohort_display()}"
            )
            return HttpResponseRedirect(
                reverse("offenders:cohort-candidates") + f"?cohort={matrix.cohort}"
            )
    return render(
        request,
        "offenders/form.html",
        {
            "person": person,
            "title": f"Adopt into {matrix.get_cohort_display()}",
            "form": form,
            "button": "Adopt",
            "hidden": {"cohort": matrix.cohort},
            "intro": f"Selection matrix score {score}; the threshold is {matrix.threshold}.",
        },
    )


def ledger(request: HttpRequest) -> HttpResponse:
    user = _require_person_reader(request)
    cohort = request.GET.get("cohort", "")
    if cohort not in Cohort.values:
        cohort = ""
    today = timezone.localdate()
    try:
        month = date.fromisoformat(request.GET.get("month", "") + "-01")
    except ValueError:
        month = today.replace(day=1)
    return render(
        request,
        "offenders/cohort_ledger.html",
        {
            "cohort": cohort,
            "cohorts": Cohort.choices,
            "month": month,
            **selectors.cohort_ledger_for(user, cohort=cohort or None, month=month),
        },
    )
