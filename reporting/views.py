"""Report pages and downloads. Thin: access comes from reporting.selectors,
writes from reporting.services, figures from the stored run."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from . import exports, selectors, services
from .charts import report_charts
from .forms import ReportRunForm
from .models import ReportRun, ReportStatus
from .tables import report_tables
from .tiles import dashboard_tiles

PAGE_SIZE = 25


@require_http_methods(["GET", "POST"])
def report_list(request: HttpRequest) -> HttpResponse:
    selectors.report_require_read(request.user)
    may_run = selectors.report_may_run(request.user)
    form = ReportRunForm()
    if request.method == "POST":
        selectors.report_require_run(request.user)
        form = ReportRunForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            run = services.report_run_request(
                by=request.user,  # type: ignore[arg-type]
                start=data["start"],
                end=data["end"],
                as_of=data["as_of"],
                cohort=data["cohort"],
                cost_table=data["cost_table"],
            )
            return redirect("reporting:detail", run_id=run.pk)
    page = Paginator(selectors.report_run_list_for(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "reporting/list.html", {"page": page, "form": form, "may_run": may_run})


@require_GET
def report_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    run = selectors.report_run_get_for(request.user, run_id)
    if run.status != ReportStatus.DONE:
        return render(request, "reporting/progress.html", {"run": run})
    publication = request.GET.get("edition") == "publication"
    tables = report_tables(run.results or {}, run.parameters, publication=publication)
    previous = selectors.report_run_previous(run)
    return render(
        request,
        "reporting/report.html",
        {
            "run": run,
            "tables": tables[1:],
            "about": tables[0],
            "charts": report_charts(tables),
            "changes": selectors.report_run_changes(run, previous),
            "previous": previous,
            "publication": publication,
            "may_run": selectors.report_may_run(request.user),
        },
    )


@require_GET
def report_progress(request: HttpRequest, run_id: int) -> HttpResponse:
    """The htmx poll target: the status panel, or a redirect to the finished report."""
    run = selectors.report_run_progress_for(request.user, run_id)
    response = render(request, "reporting/includes/progress_panel.html", {"run": run})
    if run.status == ReportStatus.DONE and request.htmx:  # type: ignore[attr-defined]
        # htmx follows this; the panel's own link is there if it does not.
        response["HX-Redirect"] = reverse("reporting:detail", args=[run.pk])
    return response


@require_GET
def report_download(request: HttpRequest, run_id: int, file_format: str) -> HttpResponse:
    selectors.report_require_run(request.user)
    run = selectors.report_run_get_for(request.user, run_id)
    if run.status != ReportStatus.DONE:
        messages.error(request, "The report is not ready yet.")
        return redirect("reporting:detail", run_id=run.pk)
    publication = request.GET.get("edition") == "publication"
    tables = report_tables(run.results or {}, run.parameters, publication=publication)
    title = _title(run, publication)
    stem = f"rrcase-report-{run.period_start}-{run.period_end}-run{run.pk}"
    if publication:
        stem += "-publication"
    if file_format == "xlsx":
        body = exports.report_xlsx(tables, title=title)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        filename = f"{stem}.xlsx"
    elif file_format == "pdf":
        body = exports.report_pdf(tables, title=title)
        content_type = "application/pdf"
        filename = f"{stem}.pdf"
    else:
        table = next((t for t in tables if t.slug == request.GET.get("table")), None)
        if file_format != "csv" or table is None:
            return render(request, "errors/404.html", status=404)
        body = exports.table_csv(table, title=title)
        content_type = "text/csv; charset=utf-8"
        filename = f"{stem}-{table.slug}.csv"
        file_format = f"csv:{table.slug}"
    services.report_download_record(
        run=run, by=request.user, file_format=file_format, publication=publication
    )
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _title(run: ReportRun, publication: bool) -> str:
    title = (
        f"rrcase KPI report, {run.period_start:%-d %B %Y} to {run.period_end:%-d %B %Y} "
        f"(data as of {run.as_of:%-d %B %Y})"
    )
    return title + (" - for publication" if publication else "")


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    figures = selectors.dashboard_for(request.user)
    run = figures["run"]
    results = run.results if isinstance(run, ReportRun) else None
    return render(
        request, "reporting/dashboard.html", {**figures, "tiles": dashboard_tiles(results)}
    )
