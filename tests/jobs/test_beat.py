"""Beat with its schedule in PostgreSQL (rrcase.core.beat, on django-celery-beat),
as real `celery beat` processes on the test database and a Redis of the
test's own: daily ticks missed while beat was down, and not sendable while
Redis was down, are sent once when both are back; restarting beat (a
redeploy) sends nothing twice."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask, PeriodicTasks

from rrcase.celery import app
from rrcase.core.beat import DatabaseScheduler

from .processes import wait_for

pytestmark = pytest.mark.worker


def test_ticks_missed_while_beat_and_redis_were_down_run_once_and_a_restart_repeats_nothing(
    broker, start_beat
):
    # The schedule as the first beat start writes it to the database.
    DatabaseScheduler(app=app)
    assert PeriodicTask.objects.filter(name="alert-snapshot").exists()
    # Beat was down for three days: two ticks of the quarterly check were missed.
    three_days_ago = timezone.now() - timedelta(days=3)
    PeriodicTask.objects.filter(name="quarterly-report").update(last_run_at=three_days_ago)
    second = start_beat()
    assert wait_for(lambda: "reporting.tasks.quarterly_report" in broker.task_names()), second.log()

    time.sleep(1)
    assert broker.task_names().count("reporting.tasks.quarterly_report") == 1

    # Redis goes down (losing its queue) as the alert snapshot falls due: it
    # cannot be sent...
    broker.stop()
    PeriodicTask.objects.filter(name="alert-snapshot").update(last_run_at=three_days_ago)
    PeriodicTasks.update_changed()
    assert second.wait_for_log("alert-snapshot not sent", timeout=20), second.log()
    # ...and is sent once Redis is back, not skipped until tomorrow.
    broker.start()
    assert wait_for(lambda: "offenders.tasks.alert_snapshot" in broker.task_names()), second.log()
    time.sleep(2)
    second.stop()
    sent = broker.task_names()
    assert sent.count("offenders.tasks.alert_snapshot") == 1, sent
    assert "reporting.tasks.quarterly_report" not in sent  # sent before Redis restarted
    assert PeriodicTask.objects.get(name="alert-snapshot").last_run_at > three_days_ago

    # A redeploy: beat starts again and must not send them a second time.
    third = start_beat()
    time.sleep(6)  # longer than beat's 5-second loop
    third.stop()
    sent = broker.task_names()
    assert sent.count("offenders.tasks.alert_snapshot") == 1, sent
    assert "reporting.tasks.quarterly_report" not in sent, sent
