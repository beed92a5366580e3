"""Thin Celery tasks: each loads by id and calls a service (STYLE.md)."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="reporting.tasks.report_run_process")
def report_run_process(report_run_id: int) -> str:
    """Compute a queued report run. Idempotent (see services.report_run_execute)."""
    return services.report_run_execute(run_id=report_run_id).status


@shared_task(name="reporting.tasks.quarterly_report")
def quarterly_report() -> int | None:
    """Beat, daily: make sure the last quarter has its automatic report."""
    run = services.quarterly_report_ensure()
    return run.pk if run else None
