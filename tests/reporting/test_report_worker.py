"""The report job through a real Celery worker on a Redis of the test's own."""

from __future__ import annotations

from datetime import date

import pytest

from reporting.models import ReportRun, ReportStatus
from reporting.tasks import report_run_process
from tests.core.test_celery_worker import queue, worker  # noqa: F401 — fixtures
from tests.jobs.processes import broker, redis_server, start_worker, wait_for  # noqa: F401

from .test_proven_reoffending import build_worked_example

pytestmark = pytest.mark.worker


def test_report_run_is_filled_by_a_real_worker(broker, worker, queue):  # noqa: F811
    build_worked_example()
    run = ReportRun.objects.create(
        kind="on_demand",
        period_start=date(2023, 1, 1),
        period_end=date(2023, 3, 31),
        as_of=date(2025, 1, 1),
        definition_version=1,
        parameters={"start": "2023-01-01", "end": "2023-03-31", "cohort": "iom"},
    )
    report_run_process.apply_async((run.pk,), queue=queue)

    def finished() -> bool:
        run.refresh_from_db()
        return run.status in (ReportStatus.DONE, ReportStatus.FAILED)

    assert wait_for(finished, timeout=60), "the worker never ran the report"
    assert run.status == ReportStatus.DONE, run.error
    assert run.results["kpis"]["proven_reoffending"]["binary_rate"] == 40.0
