"""Celery on a real broker: a task queued on commit runs in a real worker
process through Redis; one queued in a rolled-back transaction never runs.
The Redis and the worker are the test's own (tests/jobs/processes.py)."""

from __future__ import annotations

import uuid

import pytest
from django.db import transaction

from rrcase.celery import app
from rrcase.core.models import WorkerHeartbeat
from rrcase.core.tasks import worker_heartbeat
from tests.jobs.processes import (  # noqa: F401 — fixtures
    broker,
    redis_server,
    start_worker,
    wait_for,
)

pytestmark = pytest.mark.worker


@pytest.fixture
def queue():
    """A queue of this test's own."""
    return f"rrcase-test-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def worker(start_worker, queue):  # noqa: F811
    """A real `celery worker` process on the test database, taking `queue`."""
    return start_worker(queue=queue)


def test_task_queued_on_commit_runs_in_a_real_worker(broker, worker, queue):  # noqa: F811
    with transaction.atomic():
        worker_heartbeat.apply_async_on_commit(queue=queue)
        # Nothing is sent while the transaction is open.
        assert broker.client().llen(queue) == 0
    assert wait_for(WorkerHeartbeat.objects.exists), "the worker never ran the task"


def test_task_queued_in_a_rolled_back_transaction_is_never_sent(
    broker,  # noqa: F811
    queue,
    transactional_db,
):
    class Rollback(Exception):
        pass

    def queue_then_fail() -> None:
        with transaction.atomic():
            worker_heartbeat.apply_async_on_commit(queue=queue)
            raise Rollback

    with pytest.raises(Rollback):
        queue_then_fail()
    worker_heartbeat.apply_async(queue=queue)  # a control message that is sent
    assert broker.client().llen(queue) == 1


def test_tasks_are_acknowledged_late_and_requeued_if_the_worker_dies():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.broker_transport_options["visibility_timeout"] > app.conf.task_time_limit
