"""Celery on the real broker: a task queued on commit runs in a real worker
process through Redis; one queued in a rolled-back transaction never runs."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection, transaction

from rrcase.celery import app
from rrcase.core.models import WorkerHeartbeat
from rrcase.core.tasks import worker_heartbeat

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL"),
        reason="needs REDIS_URL (CI and .ci/run always set it)",
    ),
]


@pytest.fixture
def queue():
    """A queue of this test's own, so a developer's running worker never takes its tasks."""
    name = f"rrcase-test-{uuid.uuid4().hex[:8]}"
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield name
    app.conf.task_always_eager = previous
    redis.Redis.from_url(os.environ["REDIS_URL"]).delete(name)


@pytest.fixture
def worker(queue, transactional_db):
    """A real `celery worker` process on the test database."""
    from urllib.parse import quote

    db = connection.settings_dict
    # The suite's connection is the app role's (tests/database_roles.py), so the
    # worker runs as the app role too, as in production.
    user = db["USER"] + (f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else "")
    test_db_url = f"postgres://{user}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"
    if str(db["HOST"]).startswith("/"):
        test_db_url = f"postgres://{user}@{quote(db['HOST'], safe='')}/{db['NAME']}"
    env = {
        **os.environ,
        "DATABASE_URL": test_db_url,
        "DJANGO_SETTINGS_MODULE": "rrcase.settings.dev",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "rrcase",
            "worker",
            "-Q",
            queue,
            "--pool=solo",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
    )
    yield process
    process.terminate()
    process.wait(timeout=30)


def wait_for(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_task_queued_on_commit_runs_in_a_real_worker(worker, queue):
    with transaction.atomic():
        worker_heartbeat.apply_async_on_commit(queue=queue)
        # Nothing is sent while the transaction is open.
        assert redis.Redis.from_url(settings.REDIS_URL).llen(queue) == 0
    assert wait_for(WorkerHeartbeat.objects.exists), "the worker never ran the task"


def test_task_queued_in_a_rolled_back_transaction_is_never_sent(queue, transactional_db):
    class Rollback(Exception):
        pass

    def queue_then_fail() -> None:
        with transaction.atomic():
            worker_heartbeat.apply_async_on_commit(queue=queue)
            raise Rollback

    with pytest.raises(Rollback):
        queue_then_fail()
    worker_heartbeat.apply_async(queue=queue)  # a control message that is sent
    assert redis.Redis.from_url(settings.REDIS_URL).llen(queue) == 1


def test_tasks_are_acknowledged_late_and_requeued_if_the_worker_dies():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.broker_transport_options["visibility_timeout"] > app.conf.task_time_limit
