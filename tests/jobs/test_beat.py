"""Beat with its schedule in PostgreSQL (django-celery-beat's DatabaseScheduler),
as real `celery beat` processes on the test database and a Redis of the
test's own: a daily tick missed while beat was down is sent once when it
starts again, and restarting beat (a redeploy) sends nothing twice."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from .processes import CeleryProcess, wait_for

pytestmark = pytest.mark.worker

DAILY = ("offenders.tasks.alert_snapshot", "reporting.tasks.quarterly_report")


def test_missed_daily_ticks_run_once_after_an_outage_and_a_restart_repeats_nothing(
    broker, transactional_db, tmp_path
):
    def beat(n: int) -> CeleryProcess:
        process = CeleryProcess(
            ["beat"], broker_url=broker.url, log_path=tmp_path / f"beat{n}.log", env={}
        )
        assert process.wait_for_log("beat: Starting..."), process.log()
        return process

    first = beat(1)
    assert wait_for(lambda: PeriodicTask.objects.filter(name="alert-snapshot").exists())
    first.stop()
    # Beat was down for three days: two ticks of each daily job were missed.
    three_days_ago = timezone.now() - timedelta(days=3)
    PeriodicTask.objects.filter(name__in=["alert-snapshot", "quarterly-report"]).update(
        last_run_at=three_days_ago
    )
    broker.client().delete("celery")

    second = beat(2)
    assert wait_for(lambda: all(task in broker.task_names() for task in DAILY), timeout=20), (
        second.log()
    )
    second.stop()
    sent = broker.task_names()
    assert [sent.count(task) for task in DAILY] == [1, 1], sent
    last_run = PeriodicTask.objects.get(name="alert-snapshot").last_run_at
    assert last_run > three_days_ago + timedelta(days=2)

    # A redeploy: beat starts again and must not send them a second time.
    third = beat(3)
    time.sleep(6)  # longer than beat's 5-second loop
    third.stop()
    sent = broker.task_names()
    assert [sent.count(task) for task in DAILY] == [1, 1], sent
