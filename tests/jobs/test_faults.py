"""Faults with real processes (docs/operations.md "Faults and recovery"): a
Redis started by the test and stopped, workers started by the test and killed
with SIGKILL or frozen with SIGSTOP, and the sweeper re-queuing. Each test
asserts that nothing was lost and nothing ran twice in effect. The measured
times are printed (run with -s to see them)."""

from __future__ import annotations

import signal
import time
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from offenders.models import ImportRun, Person
from reporting import services
from reporting.models import ReportRun, ReportStatus
from rrcase.core import jobs
from tests.reporting.test_proven_reoffending import build_worked_example

from .processes import TablesLocked, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.usefixtures("fast_jobs")]

REPORT_TABLES = ("offenders_person", "offenders_offence", "offenders_disposal")
PEOPLE = (
    "person_ref,pnc_id,given_name,family_name,date_of_birth,gender,ethnicity,lead_agency\n"
    "F1,,Fay,Fault,1990-01-01,female,,\n"
    "F2,,Fred,Fault,1991-02-02,male,,\n"
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def request_report() -> ReportRun:
    return services.report_run_request(
        by=None, start=date(2023, 1, 1), end=date(2023, 3, 31), as_of=date(2025, 1, 1)
    )


def status_of(run: ReportRun | ImportRun) -> str:
    run.refresh_from_db()
    return run.status


def running_with_heartbeat(run: ReportRun | ImportRun) -> bool:
    run.refresh_from_db()
    return run.status == "running" and run.heartbeat_at is not None


def test_broker_down_when_asked_the_pages_say_so_and_the_sweeper_delivers_later(
    broker, start_worker, borough, sign_in
):
    build_worked_example()
    client = sign_in("analyst")
    broker.stop()

    began = time.monotonic()
    response = client.post(
        reverse("reporting:list"),
        {"start": "2023-01-01", "end": "2023-03-31", "as_of": "2025-01-01", "cohort": "iom"},
    )
    report_seconds = time.monotonic() - began
    assert response.status_code == 302, "the page must not fail when Redis is down"
    page = client.get(response["Location"]).content.decode()
    assert "Queued — it will start when the job service is back" in page
    report = ReportRun.objects.get()
    assert (report.status, report.published_at) == (ReportStatus.QUEUED, None)

    admin = sign_in("probation-admin")
    began = time.monotonic()
    response = admin.post(
        reverse("imports:new"),
        {"if_rejected": "nothing", "people": SimpleUploadedFile("people.csv", PEOPLE.encode())},
    )
    import_seconds = time.monotonic() - began
    assert response.status_code == 302
    assert "Queued — it will start when the job service is back" in (
        admin.get(response["Location"]).content.decode()
    )
    upload = ImportRun.objects.get()
    assert upload.status == "queued"
    # A page never hangs on the broker: the publish gives up within seconds.
    assert max(report_seconds, import_seconds) < 10

    # The job service comes back: Redis, then a worker, then the minute's sweep.
    broker.start()
    start_worker()
    back = time.monotonic()
    assert jobs.jobs_sweep() == {"republished": 2, "restarted": 0, "failed": 0}
    assert wait_for(
        lambda: (
            status_of(report) == ReportStatus.DONE
            and status_of(upload) not in ("queued", "running")
        )
    )
    print(
        f"\nbroker down: report page {report_seconds:.2f} s, import page {import_seconds:.2f} s; "
        f"delivered {time.monotonic() - back:.1f} s after the sweep"
    )
    report.refresh_from_db()
    upload.refresh_from_db()
    assert report.results["kpis"]["proven_reoffending"]["binary_rate"] == 40.0
    assert (report.attempts, upload.attempts, upload.status) == (1, 1, "imported")
    assert Person.objects.filter(reference__in=["F1", "F2"]).count() == 2


def test_a_whole_worker_killed_mid_report_is_restarted_by_the_sweeper(broker, start_worker):
    build_worked_example()
    first = start_worker()
    locked = TablesLocked(*REPORT_TABLES)
    try:
        run = request_report()
        assert wait_for(lambda: running_with_heartbeat(run)), "the worker never started it"
        first.kill()
        killed = time.monotonic()
    finally:
        locked.release()
    # Redis would hold the killed worker's message for its 2-hour visibility
    # timeout; the sweeper sees at once that the worker's session is gone.
    start_worker()
    assert wait_for(lambda: jobs.jobs_sweep()["restarted"] == 1, timeout=30)
    assert wait_for(lambda: status_of(run) == ReportStatus.DONE), run.error
    print(f"\nworker killed mid-report: done again {time.monotonic() - killed:.1f} s later")
    run.refresh_from_db()
    assert run.attempts == 2
    assert run.results["kpis"]["proven_reoffending"]["binary_rate"] == 40.0
    assert (run.progress, run.claim) == (100, "")

    # A second delivery of the finished run does nothing.
    finished_at = run.finished_at
    jobs.job_publish(model=ReportRun, pk=run.pk)
    assert wait_for(lambda: broker.client().llen("celery") == 0)
    time.sleep(1)
    run.refresh_from_db()
    assert (run.attempts, run.finished_at) == (2, finished_at)


def test_a_killed_worker_child_is_taken_over_at_once_on_redelivery(broker, start_worker):
    build_worked_example()
    worker = start_worker(pool="prefork")
    locked = TablesLocked(*REPORT_TABLES)
    try:
        run = request_report()
        assert wait_for(lambda: running_with_heartbeat(run))
        (child,) = worker.children()
        import os

        os.kill(child, signal.SIGKILL)
        killed = time.monotonic()
        # The parent re-queues the task (acks late, reject on worker lost) and a
        # new child takes the run over: its dead predecessor's lock is free.
        assert wait_for(lambda: run.refresh_from_db() or run.attempts == 2, timeout=30)
    finally:
        locked.release()
    assert wait_for(lambda: status_of(run) == ReportStatus.DONE), run.error
    print(f"\nworker child killed: done again {time.monotonic() - killed:.1f} s later, no sweep")
    assert run.attempts == 2
    assert run.results["kpis"]["proven_reoffending"]["binary_rate"] == 40.0


def test_a_frozen_worker_is_replaced_and_its_late_result_discarded(broker, start_worker):
    build_worked_example()
    frozen = start_worker()
    locked = TablesLocked(*REPORT_TABLES)
    try:
        run = request_report()
        assert wait_for(lambda: running_with_heartbeat(run))
        frozen.signal_group(signal.SIGSTOP)  # alive, holding its lock, silent
        stopped = time.monotonic()

        # Nothing is done while the heartbeat is fresh (checked before the
        # second worker starts: its start-up can outlast the stall limit on a
        # loaded machine); once the heartbeat is older than the stall limit the
        # sweeper ends the frozen session and re-queues.
        assert jobs.jobs_sweep()["restarted"] == 0
        start_worker()
        assert wait_for(lambda: jobs.jobs_sweep()["restarted"] == 1, timeout=30, every=0.5)
        detected = time.monotonic() - stopped
    finally:
        locked.release()
    assert wait_for(lambda: status_of(run) == ReportStatus.DONE), run.error
    run.refresh_from_db()
    finished_at, results = run.finished_at, run.results
    assert run.attempts == 2

    # The frozen worker wakes, carries on, and finds the run is not its own.
    frozen.signal_group(signal.SIGCONT)
    assert frozen.wait_for_log("another execution took over", timeout=30), frozen.log()
    run.refresh_from_db()
    assert (run.attempts, run.finished_at, run.results) == (2, finished_at, results)
    print(f"\nworker frozen: stall detected {detected:.1f} s after its last heartbeat could be")


def test_a_whole_worker_killed_mid_import_imports_everything_once(
    broker, start_worker, borough, sign_in
):
    admin = sign_in("probation-admin")
    first = start_worker()
    locked = TablesLocked("offenders_person")
    try:
        admin.post(
            reverse("imports:new"),
            {"if_rejected": "nothing", "people": SimpleUploadedFile("people.csv", PEOPLE.encode())},
        )
        upload = ImportRun.objects.get()
        assert wait_for(lambda: running_with_heartbeat(upload))
        first.kill()
    finally:
        locked.release()
    start_worker()
    assert wait_for(lambda: jobs.jobs_sweep()["restarted"] == 1, timeout=30)
    assert wait_for(lambda: status_of(upload) == "imported"), upload.error
    upload.refresh_from_db()
    assert upload.attempts == 2
    assert upload.summary["files"]["people.csv"]["created"] == 2
    assert Person.objects.filter(reference__in=["F1", "F2"]).count() == 2
