"""Report runs: requested on demand or by beat, filled by a Celery task."""

from __future__ import annotations

from datetime import date

import pytest

from reporting import services, tasks
from reporting.models import ReportKind, ReportRun, ReportStatus
from rrcase.audit.models import AuditEvent

from .test_proven_reoffending import build_worked_example

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("today", "quarter"),
    [
        (date(2026, 1, 1), (date(2025, 10, 1), date(2025, 12, 31))),
        (date(2026, 3, 31), (date(2025, 10, 1), date(2025, 12, 31))),
        (date(2026, 4, 1), (date(2026, 1, 1), date(2026, 3, 31))),
        (date(2026, 8, 15), (date(2026, 4, 1), date(2026, 6, 30))),
        (date(2026, 12, 31), (date(2026, 7, 1), date(2026, 9, 30))),
    ],
)
def test_quarter_before(today, quarter):
    assert services.quarter_before(today) == quarter


def test_on_demand_run_is_computed_by_the_task_after_commit(django_capture_on_commit_callbacks):
    build_worked_example()
    with django_capture_on_commit_callbacks(execute=True):
        run = services.report_run_request(
            by=None, start=date(2023, 1, 1), end=date(2023, 3, 31), as_of=date(2025, 1, 1)
        )
    run.refresh_from_db()
    assert run.status == ReportStatus.DONE
    assert run.definition_version == 1
    assert run.parameters["cohort"] == "iom"
    assert run.results["kpis"]["proven_reoffending"]["binary_rate"] == 40.0
    assert run.results["profile"]["size"] == 0
    assert run.attempts == 1
    assert AuditEvent.objects.filter(object_type="reporting.reportrun", action="collect").exists()


def test_the_task_is_idempotent():
    run = services.report_run_request(
        by=None, start=date(2023, 1, 1), end=date(2023, 3, 31), as_of=date(2025, 1, 1)
    )
    assert tasks.report_run_process(run.pk) == ReportStatus.DONE
    first = ReportRun.objects.get(pk=run.pk)
    assert tasks.report_run_process(run.pk) == ReportStatus.DONE
    again = ReportRun.objects.get(pk=run.pk)
    assert (again.attempts, again.finished_at) == (first.attempts, first.finished_at)


def test_a_run_left_running_by_a_lost_worker_is_computed_again():
    run = services.report_run_request(
        by=None, start=date(2023, 1, 1), end=date(2023, 3, 31), as_of=date(2025, 1, 1)
    )
    ReportRun.objects.filter(pk=run.pk).update(status=ReportStatus.RUNNING, attempts=1)
    assert tasks.report_run_process(run.pk) == ReportStatus.DONE
    assert ReportRun.objects.get(pk=run.pk).attempts == 2


def test_a_failure_is_recorded_without_data_values(monkeypatch):
    run = services.report_run_request(
        by=None, start=date(2023, 1, 1), end=date(2023, 3, 31), as_of=date(2025, 1, 1)
    )

    def broken(**kwargs):
        raise RuntimeError("secret detail about Person 123")

    monkeypatch.setattr(services, "kpi_results", broken)
    assert tasks.report_run_process(run.pk) == ReportStatus.FAILED
    run.refresh_from_db()
    assert "RuntimeError" in run.error
    assert "secret" not in run.error


def test_beat_makes_each_quarters_report_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.quarterly_report_ensure(today=date(2026, 4, 1))
    assert first is not None
    assert (first.kind, first.period_start, first.period_end, first.as_of) == (
        ReportKind.QUARTERLY,
        date(2026, 1, 1),
        date(2026, 3, 31),
        date(2026, 4, 1),
    )
    assert services.quarterly_report_ensure(today=date(2026, 4, 2)) is None
    assert ReportRun.objects.filter(kind=ReportKind.QUARTERLY).count() == 1
    first.refresh_from_db()
    assert first.status == ReportStatus.DONE


def test_beat_schedule_names_the_task():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["quarterly-report"]
    assert entry["task"] == tasks.quarterly_report.name


def test_progress_is_saved_as_each_section_starts(monkeypatch):
    run = services.report_run_request(
        by=None, start=date(2023, 1, 1), end=date(2023, 3, 31), as_of=date(2025, 1, 1)
    )
    seen = []
    original = services.cohort_profile

    def spy(period, cohort):
        seen.append(ReportRun.objects.values_list("progress", "stage").get(pk=run.pk))
        return original(period, cohort)

    monkeypatch.setattr(services, "cohort_profile", spy)
    services.report_run_execute(run_id=run.pk)
    assert seen == [(7, "Cohort profile")]  # 1 of 14 steps done
    run.refresh_from_db()
    assert (run.progress, run.stage) == (100, "")
