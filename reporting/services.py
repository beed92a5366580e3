"""Every write in reporting. Keyword-only, atomic, audited."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser, User
from django.db import IntegrityError, transaction
from django.utils import timezone

from offenders.models import Cohort, OffenceCategory
from rrcase.audit.models import Action
from rrcase.audit.services import audit_record
from rrcase.core import jobs

from .kpis import DEFINITION_VERSION, Period, kpi_results
from .kpis.activity import compliance_and_enforcement, disproportionality
from .kpis.partnership import panel_activity, pathway_needs
from .kpis.profile import cohort_profile
from .kpis.trend import headline_trend, quarters_ending_with
from .models import ReportKind, ReportRun, ReportStatus, UnitCost, UnitCostTable

logger = logging.getLogger(__name__)


@transaction.atomic
def unit_cost_table_make_default(*, table: UnitCostTable, by: User | None) -> UnitCostTable:
    """Reports use this table from now on. Earlier report runs keep the name and
    price year of the table they used."""
    UnitCostTable.objects.select_for_update().filter(is_default=True).exclude(pk=table.pk).update(
        is_default=False
    )
    UnitCostTable.objects.filter(pk=table.pk).update(is_default=True)
    table.refresh_from_db()
    audit_record(
        action=Action.ALTER,
        actor=by,
        obj=table,
        details={"is_default": True, "name": table.name, "price_year": table.price_year},
    )
    return table


@transaction.atomic
def unit_cost_table_load(
    *,
    name: str,
    price_year: int,
    source: str,
    costs: Mapping[str, Decimal],
    by: User | None,
    make_default: bool = False,
) -> UnitCostTable:
    """A new unit cost table, all in one price year. Categories not in `costs`
    are uncosted (reports list them). Refuses unknown categories and negative
    costs, and a name already in use."""
    unknown = sorted(set(costs) - set(OffenceCategory.values))
    if unknown:
        raise ValueError(f"Unknown offence categories: {', '.join(unknown)}.")
    negative = sorted(category for category, cost in costs.items() if cost < 0)
    if negative:
        raise ValueError(f"Costs cannot be negative: {', '.join(negative)}.")
    if UnitCostTable.objects.filter(name=name).exists():
        raise ValueError(f"There is already a unit cost table called {name!r}.")
    table = UnitCostTable.objects.create(name=name, price_year=price_year, source=source)
    UnitCost.objects.bulk_create(
        UnitCost(table=table, category=category, cost=cost) for category, cost in costs.items()
    )
    audit_record(
        action=Action.COLLECT,
        actor=by,
        obj=table,
        details={"name": name, "price_year": price_year, "categories": sorted(costs)},
    )
    if make_default:
        table = unit_cost_table_make_default(table=table, by=by)
    return table


def quarter_before(day: date) -> tuple[date, date]:
    """The last calendar quarter that ended before `day`."""
    this_quarter_start = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    end = this_quarter_start - timedelta(days=1)
    return date(end.year, end.month - 2, 1), end


@transaction.atomic
def report_run_request(
    *,
    by: User | None,
    start: date,
    end: date,
    as_of: date | None = None,
    cohort: str = Cohort.IOM,
    cost_table: UnitCostTable | None = None,
    kind: ReportKind = ReportKind.ON_DEMAND,
) -> ReportRun:
    """A new report run, queued once this transaction commits."""
    if start > end:
        raise ValueError("The period must end on or after the day it starts.")
    if cohort not in Cohort.values:
        raise ValueError(f"Unknown cohort {cohort!r}.")
    as_of = as_of or timezone.localdate()
    table = cost_table or UnitCostTable.objects.filter(is_default=True).first()
    run = ReportRun.objects.create(
        kind=kind,
        period_start=start,
        period_end=end,
        as_of=as_of,
        cohort=cohort,
        cost_table=table,
        definition_version=DEFINITION_VERSION,
        parameters={
            "start": start.isoformat(),
            "end": end.isoformat(),
            "as_of": as_of.isoformat(),
            "cohort": cohort,
            "cost_table_id": table.pk if table else None,
        },
        requested_by=by,
    )
    audit_record(
        action=Action.COLLECT,
        actor=by,
        obj=run,
        details={"report": run.kind, **run.parameters},
    )
    _queue(run)
    return run


def _queue(run: ReportRun) -> None:
    # Published after commit; if the broker is down the run stays queued and
    # rrcase.core.jobs.jobs_sweep delivers it later (the page says so).
    jobs.job_queue_on_commit(run)


def quarterly_report_ensure(*, today: date | None = None) -> ReportRun | None:
    """Make sure the quarter that ended last has its automatic report. Called
    daily by beat: the first call after a quarter ends creates the run; later
    calls find it, and deliver it again if it is stuck (left queued while the
    broker was down, or its worker stopped), so a missed day is caught up the
    next and a stuck run is never silently left. Returns the run it created or
    restarted."""
    today = today or timezone.localdate()
    start, end = quarter_before(today)
    existing = ReportRun.objects.filter(
        kind=ReportKind.QUARTERLY, period_start=start, period_end=end, cohort=Cohort.IOM
    ).first()
    if existing is not None:
        if jobs.job_recover(model=ReportRun, pk=existing.pk, force=True):
            logger.warning("Quarterly report run %s was stuck; delivered again", existing.pk)
            existing.refresh_from_db()
            return existing
        return None
    try:
        return report_run_request(
            by=None, start=start, end=end, as_of=today, kind=ReportKind.QUARTERLY
        )
    except IntegrityError:
        # Another beat tick made it at the same moment.
        return None


def report_run_execute(*, run_id: int) -> ReportRun:
    """Fill a run with its results, exactly once in effect: only the execution
    holding the run's claim computes it (rrcase.core.jobs), a finished run is
    left alone, a run whose worker died is computed again from its stored
    parameters, and the result of an execution that lost its claim (it stalled
    and was replaced) is discarded."""
    fresh_start = {"error": "", "progress": 0, "stage": ""}
    with jobs.job_execution(ReportRun, run_id, reset=fresh_start) as job:
        if job is None:
            return ReportRun.objects.get(pk=run_id)
        run = ReportRun.objects.get(pk=run_id)
        try:
            results = _report_results(run, job)
        except jobs.ClaimLost:
            logger.warning("Report run %s: another execution took over; this one stops", run_id)
            return ReportRun.objects.get(pk=run_id)
        except Exception as error:
            logger.exception("Report run %s failed", run_id)
            job.finish(
                status=ReportStatus.FAILED,
                # The class only: messages could carry data values.
                error=f"The report could not be produced ({type(error).__name__}).",
            )
            return ReportRun.objects.get(pk=run_id)
        if not job.finish(status=ReportStatus.DONE, results=results, progress=100, stage=""):
            logger.warning("Report run %s: another execution took over; result discarded", run_id)
    return ReportRun.objects.get(pk=run_id)


def _report_results(run: ReportRun, job: jobs.JobExecution) -> dict[str, object]:
    """Every section of the report, saving progress after each so the
    progress page can show it (outside any transaction, so it is seen at once).
    Each save also checks this execution still owns the run."""
    period = Period(start=run.period_start, end=run.period_end, as_of=run.as_of)
    quarters = len(quarters_ending_with(run.period_end))
    steps = 6 + quarters
    done = 0

    def step(stage: str) -> None:
        nonlocal done
        job.update(progress=done * 100 // steps, stage=stage)
        done += 1

    step("KPIs")
    results: dict[str, object] = {
        "kpis": kpi_results(
            start=run.period_start,
            end=run.period_end,
            as_of=run.as_of,
            cohort=run.cohort,
            cost_table_id=run.parameters.get("cost_table_id"),
        )
    }
    step("Cohort profile")
    results["profile"] = cohort_profile(period, run.cohort)
    results["trend"] = headline_trend(
        end=run.period_end,
        as_of=run.as_of,
        cohort=run.cohort,
        on_quarter=lambda start: step(f"Trend: quarter starting {start:%-d %B %Y}"),
    )
    step("Compliance and enforcement")
    results["compliance"] = compliance_and_enforcement(period, run.cohort)
    step("Disproportionality")
    results["disproportionality"] = disproportionality(period, run.cohort)
    step("Pathways")
    results["pathways"] = pathway_needs(period, run.cohort)
    step("Panels")
    results["panels"] = panel_activity(period)
    return results


def report_download_record(
    *, run: ReportRun, by: User | AnonymousUser, file_format: str, publication: bool
) -> None:
    """Every download is a disclosure (DPA 2018 s.62), with its recipient."""
    name = by.get_full_name() if isinstance(by, User) else ""
    audit_record(
        action=Action.DISCLOSE,
        actor=by,
        obj=run,
        recipient=name or by.get_username(),
        details={
            "format": file_format,
            "publication": publication,
            "period": [run.parameters.get("start"), run.parameters.get("end")],
            "definition_version": run.definition_version,
        },
    )
