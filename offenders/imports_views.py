"""The import page: agency admins and analysts upload CSV extracts, which run
as a Celery job (offenders.tasks.import_run_process) with progress and a
rejects download. Each user sees only the runs they started."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from rrcase.access.roles import IMPORT_ROLES
from rrcase.access.selectors import role_of

from . import imports
from .imports_forms import ImportUploadForm
from .models import ImportRun


def _may_import(request: HttpRequest) -> User:
    if role_of(request.user) not in IMPORT_ROLES:
        raise PermissionDenied("Only agency admins and analysts import data.")
    return request.user  # type: ignore[return-value]


def _run_for(request: HttpRequest, run_id: int) -> ImportRun:
    """The user's own run; anyone else's is a 404, like a missing one."""
    user = _may_import(request)
    run = ImportRun.objects.filter(pk=run_id, requested_by=user).first()
    if run is None:
        raise Http404("No such import.")
    return run


@require_GET
def import_list(request: HttpRequest) -> HttpResponse:
    user = _may_import(request)
    runs = ImportRun.objects.filter(requested_by=user)[:50]
    return render(request, "offenders/imports/list.html", {"runs": runs})


@require_http_methods(["GET", "POST"])
def import_new(request: HttpRequest) -> HttpResponse:
    user = _may_import(request)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        files = {
            kind: form.cleaned_data[kind] for kind in imports.FILE_ORDER if form.cleaned_data[kind]
        }
        run = imports.import_run_create(
            by=user,
            files=files,
            partial=form.cleaned_data["if_rejected"] == "partial",
            dry_run=form.cleaned_data["dry_run"],
        )
        return redirect("imports:detail", run_id=run.pk)
    return render(request, "offenders/imports/new.html", {"form": form})


@require_GET
def import_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _run_for(request, run_id)
    return render(request, "offenders/imports/detail.html", {"run": run})


@require_GET
def import_progress(request: HttpRequest, run_id: int) -> HttpResponse:
    """The progress block alone, polled by htmx every two seconds while running."""
    run = _run_for(request, run_id)
    return render(request, "offenders/imports/_progress.html", {"run": run})


@require_GET
def import_rejects(request: HttpRequest, run_id: int) -> FileResponse:
    run = _run_for(request, run_id)
    try:
        stream = imports.import_run_rejects_open(run=run, by=request.user)  # type: ignore[arg-type]
    except FileNotFoundError:
        raise Http404("This import has no rejects file.") from None
    return FileResponse(
        stream,
        as_attachment=True,
        filename=f"import-{run.pk}-rejects.csv",
        content_type="text/csv; charset=utf-8",
    )
