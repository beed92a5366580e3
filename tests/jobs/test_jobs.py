"""The job mechanism in this process (rrcase.core.jobs): what the pages tell
the user about a job's delivery, the sweeper's decisions, the claim that
keeps a second delivery from computing a run again, and the quarterly check
that delivers a stuck automatic run. Tasks run in-process here; the faults
with real processes are in test_faults.py."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import psycopg
import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.urls import reverse

from offenders.models import ImportRun
from reporting import services
from reporting.models import ReportKind, ReportRun, ReportStatus
from rrcase.core import jobs
from tests.reporting.test_proven_reoffending import build_worked_example

from .processes import database_url_for_processes

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
WAITING = "Queued — it will start when the job service is back"


def queued_run(**fields) -> ReportRun:
    analyst = get_user_model().objects.get(username="analyst")
    return ReportRun.objects.create(
        kind="on_demand",
        period_start=date(2023, 1, 1),
        period_end=date(2023, 3, 31),
        as_of=date(2025, 1, 1),
        definition_version=1,
        parameters={"start": "2023-01-01", "end": "2023-03-31", "cohort": "iom"},
        requested_by=analyst,
        **fields,
    )


def progress_panel(client, run: ReportRun) -> str:
    response = client.get(reverse("reporting:progress", args=[run.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return response.content.decode()


@time_machine.travel(NOW, tick=False)
def test_the_progress_page_tells_the_truth_about_delivery(borough, sign_in):
    client = sign_in("analyst")
    # Taken by the broker a moment ago: the usual words.
    run = queued_run(queued_at=NOW, published_at=NOW)
    html = progress_panel(client, run)
    assert WAITING not in html
    assert "This usually takes less than a minute." in html
    # The broker did not take it.
    ReportRun.objects.filter(pk=run.pk).update(published_at=None)
    html = progress_panel(client, run)
    assert WAITING in html
    assert "usually takes less than a minute" not in html
    # Taken, but no worker has started it within the grace time.
    ReportRun.objects.filter(pk=run.pk).update(
        published_at=NOW - timedelta(minutes=5), queued_at=NOW - timedelta(minutes=5)
    )
    assert WAITING in progress_panel(client, run)
    # Running, but its worker has gone quiet.
    ReportRun.objects.filter(pk=run.pk).update(
        status="running", progress=28, attempts=1, heartbeat_at=NOW - timedelta(minutes=2)
    )
    html = progress_panel(client, run)
    assert "Stalled — restarting." in html
    assert "since 10:58:00" in html  # 09:58 UTC is 10:58 in London (BST)
    assert "usually takes less than a minute" not in html
    # Queued again after the interruption.
    ReportRun.objects.filter(pk=run.pk).update(
        status="queued", queued_at=NOW, published_at=NOW, heartbeat_at=None
    )
    html = progress_panel(client, run)
    assert "Restarting." in html
    assert "attempt 2 of 3" in html


@time_machine.travel(NOW, tick=False)
def test_the_import_page_says_when_the_job_service_is_down(borough, sign_in):
    client = sign_in("probation-admin")
    user = get_user_model().objects.get(username="probation-admin")
    run = ImportRun.objects.create(
        requested_by=user, agency=user.membership.agency, storage_key="k" * 32
    )
    html = client.get(reverse("imports:detail", args=[run.pk])).content.decode()
    assert WAITING in html
    ImportRun.objects.filter(pk=run.pk).update(published_at=NOW)
    html = client.get(reverse("imports:detail", args=[run.pk])).content.decode()
    assert WAITING not in html


@time_machine.travel(NOW, tick=False)
def test_the_sweeper_delivers_a_run_left_queued_past_the_grace_time(borough):
    build_worked_example()
    fresh = queued_run(queued_at=NOW - timedelta(seconds=30))
    stuck = queued_run(queued_at=NOW - timedelta(seconds=61))
    assert jobs.jobs_sweep() == {"republished": 1, "restarted": 0, "failed": 0}
    fresh.refresh_from_db()
    stuck.refresh_from_db()
    assert fresh.status == ReportStatus.QUEUED
    assert (stuck.status, stuck.attempts) == (ReportStatus.DONE, 1)
    assert stuck.results["kpis"]["proven_reoffending"]["binary_rate"] == 40.0


@time_machine.travel(NOW, tick=False)
def test_the_sweeper_restarts_a_run_whose_worker_is_gone(borough):
    build_worked_example()
    # Running, heartbeat fresh, but no live session holds its lock: a killed worker.
    run = queued_run(status="running", attempts=1, claim="dead", heartbeat_at=NOW)
    assert jobs.jobs_sweep()["restarted"] == 1
    run.refresh_from_db()
    assert (run.status, run.attempts, run.claim) == (ReportStatus.DONE, 2, "")


@time_machine.travel(NOW, tick=False)
def test_a_run_interrupted_as_often_as_allowed_is_failed_not_restarted(borough):
    run = queued_run(status="running", attempts=3, claim="dead", heartbeat_at=NOW)
    assert jobs.jobs_sweep() == {"republished": 0, "restarted": 0, "failed": 1}
    run.refresh_from_db()
    assert run.status == ReportStatus.FAILED
    assert "interrupted 3 times" in run.error


def test_a_delivery_while_another_worker_holds_the_run_does_nothing(borough):
    run = queued_run()
    with psycopg.connect(database_url_for_processes(), autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s, %s)", jobs._lock_key(ReportRun, run.pk))
        assert services.report_run_execute(run_id=run.pk).status == ReportStatus.QUEUED
    run.refresh_from_db()
    assert (run.status, run.attempts) == (ReportStatus.QUEUED, 0)


def test_a_second_delivery_of_a_finished_run_changes_nothing(borough):
    run = queued_run()
    services.report_run_execute(run_id=run.pk)
    first = ReportRun.objects.get(pk=run.pk)
    services.report_run_execute(run_id=run.pk)
    again = ReportRun.objects.get(pk=run.pk)
    assert (again.status, again.attempts, again.finished_at) == (
        ReportStatus.DONE,
        1,
        first.finished_at,
    )


def test_the_quarterly_check_delivers_a_stuck_automatic_run(
    borough, django_capture_on_commit_callbacks
):
    # The run is saved but the broker never took it (its on-commit publish is lost).
    run = services.quarterly_report_ensure(today=date(2026, 4, 1))
    assert run is not None
    assert ReportRun.objects.get(pk=run.pk).status == ReportStatus.QUEUED
    with django_capture_on_commit_callbacks(execute=True):
        again = services.quarterly_report_ensure(today=date(2026, 4, 2))
    assert again is not None
    assert again.pk == run.pk
    assert again.status == ReportStatus.DONE
    assert ReportRun.objects.filter(kind=ReportKind.QUARTERLY).count() == 1
    # Once it is done, the daily check leaves it alone.
    assert services.quarterly_report_ensure(today=date(2026, 4, 3)) is None
