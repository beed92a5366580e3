"""Every read of report runs, scoped to the acting user.

Reports are partnership-wide aggregates and never name anyone (DESIGN.md
"Who uses it"). Analysts and panel chairs may run and download them;
practitioners may read them; other roles have no reporting access (403).
A run still in progress is visible only to whoever asked for it (404 to
anyone else), so its progress page cannot be watched by others.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from rrcase.access.models import Role
from rrcase.access.selectors import role_of

from .kpis.profile import current_cohorts
from .models import ReportKind, ReportRun, ReportStatus, UnitCostTable

REPORT_READ_ROLES = frozenset({Role.ANALYST, Role.PANEL_CHAIR, Role.PRACTITIONER})
REPORT_RUN_ROLES = frozenset({Role.ANALYST, Role.PANEL_CHAIR})
DASHBOARD_CACHE_SECONDS = 10 * 60


def report_may_read(user: User | AnonymousUser) -> bool:
    return role_of(user) in REPORT_READ_ROLES


def report_may_run(user: User | AnonymousUser) -> bool:
    """Run, download and export reports."""
    return role_of(user) in REPORT_RUN_ROLES


def report_require_read(user: User | AnonymousUser) -> None:
    if not report_may_read(user):
        raise PermissionDenied("Your role does not include reports.")


def report_require_run(user: User | AnonymousUser) -> None:
    if not report_may_run(user):
        raise PermissionDenied("Your role may read reports but not run or download them.")


def report_run_list_for(user: User | AnonymousUser) -> QuerySet[ReportRun]:
    """Finished runs for everyone with report access; unfinished ones only
    for whoever asked for them."""
    if not report_may_read(user):
        return ReportRun.objects.none()
    return (
        ReportRun.objects.filter(Q(status=ReportStatus.DONE) | Q(requested_by_id=user.pk or 0))
        .select_related("requested_by", "cost_table")
        .defer("results")
    )


def report_run_get_for(user: User | AnonymousUser, run_id: int) -> ReportRun:
    """One run, or PermissionDenied (role without reports) / Http404 (not
    visible to this user)."""
    report_require_read(user)
    run = report_run_list_for(user).defer(None).filter(pk=run_id).first()
    if run is None:
        raise Http404("No such report.")
    return run


def report_run_progress_for(user: User | AnonymousUser, run_id: int) -> ReportRun:
    """A run's status for its progress page: only the user who asked for it."""
    report_require_read(user)
    run = (
        ReportRun.objects.filter(pk=run_id, requested_by_id=user.pk or 0)
        .only(
            "id",
            "status",
            "error",
            "kind",
            "period_start",
            "period_end",
            "requested_by_id",
            "progress",
            "stage",
            # What the page says about delivery (rrcase.core.models.JobRecord).
            "queued_at",
            "published_at",
            "heartbeat_at",
            "attempts",
        )
        .first()
    )
    if run is None:
        raise Http404("No such report.")
    return run


def report_run_previous(run: ReportRun) -> ReportRun | None:
    """The last finished run before this one for the same period and cohort,
    to show what late data entry changed."""
    return (
        ReportRun.objects.filter(
            status=ReportStatus.DONE,
            period_start=run.period_start,
            period_end=run.period_end,
            cohort=run.cohort,
            requested_at__lt=run.requested_at,
        )
        .exclude(pk=run.pk)
        .order_by("-requested_at", "-id")
        .first()
    )


def unit_cost_tables() -> QuerySet[UnitCostTable]:
    return UnitCostTable.objects.all()


def report_run_changes(run: ReportRun, previous: ReportRun | None) -> list[dict[str, object]]:
    """Headline figures that differ from the previous run of the same period
    (usually late data entry)."""
    if previous is None or not previous.results or not run.results:
        return []
    changes: list[dict[str, object]] = []
    now, before = run.results["kpis"], previous.results["kpis"]
    for kpi in ("proven_reoffending", "cohort_offending", "ni143", "ni144", "ni18", "iom_impact"):
        for measure, value in now.get(kpi, {}).items():
            if isinstance(value, dict):
                continue
            old = before.get(kpi, {}).get(measure)
            if old != value:
                changes.append({"kpi": kpi, "measure": measure, "before": old, "now": value})
    return changes


def report_run_latest_finished() -> ReportRun | None:
    """The newest finished report, automatic quarterly runs first: the
    dashboard's KPI tiles come from it."""
    finished = ReportRun.objects.filter(status=ReportStatus.DONE)
    return (
        finished.filter(kind=ReportKind.QUARTERLY).order_by("-period_end", "-requested_at").first()
        or finished.order_by("-requested_at").first()
    )


def dashboard_for(user: User | AnonymousUser) -> dict[str, object]:
    """The partnership dashboard: totals only, for every role with reports."""
    report_require_read(user)
    today = timezone.localdate()
    # A scan of every membership (about a second at 250,000 people): shared by
    # everyone's dashboard for a few minutes rather than run on every view.
    current = cache.get_or_set(
        f"reporting:current-cohorts:{today.isoformat()}",
        lambda: current_cohorts(today),
        DASHBOARD_CACHE_SECONDS,
    )
    run = report_run_latest_finished()
    return {"today": today, "current": current, "run": run}
