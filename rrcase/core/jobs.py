"""Background jobs that are never lost and never run twice in effect.

A job is a row (a `JobRecord`: a report run, an import run) and a Celery task
that takes the row's id. The row, not the broker, is the record of the work:

- **Queueing.** A service saves the row and calls `job_queue_on_commit`. After
  the commit the task is published; if Redis does not answer within a few
  seconds the failure is logged, the row stays "queued" with no
  `published_at`, and the page says the job will start when the job service is
  back. Nothing is lost and the user never sees an error.
- **Sweeping.** `jobs_sweep` (beat, every minute) publishes again every row
  left queued past `JOB_QUEUED_GRACE_SECONDS`, and restarts every running row
  whose worker is gone: its PostgreSQL session (below) has ended, or its
  heartbeat is older than `JOB_STALL_SECONDS`. After `JOB_MAX_ATTEMPTS`
  interrupted starts a row is marked failed with a clear message instead.
- **Executing.** `job_execution` opens a database session of its own and takes
  a PostgreSQL advisory lock on the row for as long as the execution lives.
  Only the lock holder may claim the row (a conditional UPDATE that writes a
  fresh claim token), so two deliveries of the same row never both compute it:
  the second finds the lock taken, or the row finished, and does nothing. A
  worker killed by any signal loses its session, so the lock frees at once and
  a redelivery (or the next sweep) can take over. A thread writes the
  heartbeat every `JOB_HEARTBEAT_SECONDS` on that session while the work runs.
  Every write of progress and of the result is conditional on the claim
  token, so an execution that the sweeper gave up on (it stalled, then woke)
  can never overwrite the result of the one that replaced it.

docs/operations.md "Faults and recovery" has the faults and measured times;
docs/decisions.md why it is built this way.
"""

from __future__ import annotations

import logging
import threading
import uuid
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F, Model
from django.utils import timezone
from django.utils.module_loading import import_string

from rrcase.celery import app

from .models import JobRecord

logger = logging.getLogger(__name__)

QUEUED, RUNNING, FAILED = "queued", "running", "failed"

INTERRUPTED_MESSAGE = (
    "It was interrupted {attempts} times before it could finish (the job service "
    "restarted, or the job ran out of time or memory), so it was stopped. Nothing "
    "from the interrupted attempts was kept."
)


class ClaimLost(Exception):
    """Another execution owns this row now: the sweeper judged this one stalled."""


def job_models() -> list[type[Model]]:
    return [apps.get_model(label) for label in settings.JOB_TYPES]


def _label(model: type[Model]) -> str:
    return f"{model._meta.app_label}.{model._meta.object_name}"


def _task(model: type[Model]) -> Any:
    return import_string(settings.JOB_TYPES[_label(model)])


def _lock_key(model: type[Model], pk: int) -> tuple[int, int]:
    """The advisory lock (two int4 keys) that the row's live execution holds."""
    return zlib.crc32(_label(model).encode()) & 0x7FFFFFFF, pk & 0x7FFFFFFF


# --- Queueing ---------------------------------------------------------------


def job_queue_on_commit(run: JobRecord) -> None:
    """Publish the job once the caller's transaction commits (never inside it)."""
    model, pk = type(run), run.pk
    transaction.on_commit(lambda: job_publish(model=model, pk=pk))


def job_publish(*, model: type[Model], pk: int) -> bool:
    """Hand the job to the broker. False, logged, when the broker is unreachable:
    the row stays queued and the sweeper publishes it again later."""
    if app.conf.task_always_eager:
        # No broker (`make run` without Redis): the task runs here and now.
        _task(model).apply_async((pk,))
        return True
    try:
        # By name: the broker needs no task object, only its registered name.
        app.send_task(settings.JOB_TYPES[_label(model)], args=(pk,))
    except Exception as error:
        # kombu's OperationalError, a socket error or a timeout: the broker did
        # not take it. The page must not fail after its data was saved.
        logger.warning(
            "Job service unreachable (%s): %s %s stays queued until it is back",
            error,
            _label(model),
            pk,
        )
        return False
    model._default_manager.filter(pk=pk, status=QUEUED).update(published_at=timezone.now())
    return True


# --- Executing --------------------------------------------------------------


class JobExecution:
    """One execution of one row, holding its lock and writing its heartbeat."""

    def __init__(self, *, model: type[Model], pk: int, token: str, db: BaseDatabaseWrapper):
        self.model, self.pk, self.token, self._db = model, pk, token, db
        self._db_lock = threading.Lock()
        self._stop = threading.Event()
        self.lost = False
        self._thread = threading.Thread(
            target=self._beat, name=f"job-heartbeat-{_label(model)}-{pk}", daemon=True
        )
        self._thread.start()

    def _beat(self) -> None:
        interval = settings.JOB_HEARTBEAT_SECONDS
        while not self._stop.wait(interval):
            try:
                self.update_aside()
            except ClaimLost:
                return
            except Exception:
                # The session is gone (PostgreSQL restarted, or the sweeper ended
                # it because this execution had hung): another execution will run.
                logger.warning("Job %s %s lost its heartbeat session", _label(self.model), self.pk)
                self.lost = True
                return

    def _mine(self) -> Any:
        """The row, if this execution still owns it."""
        return self.model._default_manager.filter(pk=self.pk, claim=self.token, status=RUNNING)

    def check(self) -> None:
        if self.lost:
            raise ClaimLost(f"{_label(self.model)} {self.pk}")

    def update(self, **fields: Any) -> None:
        """Write progress on the default connection, if this execution still
        owns the row; ClaimLost otherwise."""
        self.check()
        updated = self._mine().update(heartbeat_at=timezone.now(), **fields)
        if not updated:
            self.lost = True
            self.check()

    def update_aside(self, **fields: Any) -> None:
        """Write progress (or just the heartbeat) on the execution's own session,
        so it is seen at once while the work runs inside a long transaction.
        ClaimLost only if the row is visible and owned by another execution
        (a row created in a transaction not yet committed is not visible)."""
        self.check()
        table = self.model._meta.db_table
        quote = self._db.ops.quote_name
        columns = {"heartbeat_at": timezone.now(), **fields}
        assignments = ", ".join(
            f"{quote(getattr(self.model._meta.get_field(name), 'column', name))} = %s"
            for name in columns
        )
        with self._db_lock, self._db.cursor() as cursor:
            cursor.execute(
                f"UPDATE {quote(table)} SET {assignments} WHERE id = %s AND claim = %s",  # noqa: S608
                [*columns.values(), self.pk, self.token],
            )
            if cursor.rowcount:
                return
            cursor.execute(f"SELECT claim FROM {quote(table)} WHERE id = %s", [self.pk])  # noqa: S608
            row = cursor.fetchone()
        if row is not None and row[0] != self.token:
            self.lost = True
            self.check()

    def stop_heartbeat(self) -> None:
        self._stop.set()
        self._thread.join()

    def finish(self, **fields: Any) -> bool:
        """Record the outcome if this execution still owns the row. False when
        another execution took it over: this one's outcome is discarded."""
        self.stop_heartbeat()
        return bool(
            self.model._default_manager.filter(pk=self.pk, claim=self.token, status=RUNNING).update(
                finished_at=timezone.now(), claim="", **fields
            )
        )

    def lock_in_transaction(self) -> None:
        """Inside the caller's transaction, lock the row if this execution still
        owns it, so the result commits together with the work (ClaimLost
        otherwise, which rolls the work back)."""
        self.stop_heartbeat()
        if not self.model._default_manager.select_for_update().filter(
            pk=self.pk, claim=self.token, status=RUNNING
        ):
            self.lost = True
            self.check()

    def close(self) -> None:
        self.stop_heartbeat()
        self._db.close()


def _session() -> BaseDatabaseWrapper:
    db = connections.create_connection(DEFAULT_DB_ALIAS)
    # The heartbeat thread shares it, one statement at a time (_db_lock).
    db.inc_thread_sharing()
    db.set_autocommit(True)
    return db


@contextmanager
def job_execution(
    model: type[Model], pk: int, *, reset: dict[str, Any] | None = None
) -> Iterator[JobExecution | None]:
    """Claim the row and run the body as its only execution, or yield None when
    there is nothing to do: it is finished, failed, or alive in another worker.
    `reset` names the fields a fresh start clears (progress, error)."""
    db = _session()
    try:
        with db.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", _lock_key(model, pk))
            (locked,) = cursor.fetchone()
        token = _claim(model, pk, reset or {}) if locked else None
    except BaseException:
        db.close()
        raise
    if token is None:
        if not locked:
            logger.info("%s %s is being run by another worker", _label(model), pk)
        db.close()
        yield None
        return
    execution = JobExecution(model=model, pk=pk, token=token, db=db)
    try:
        yield execution
    finally:
        execution.close()


def _claim(model: type[Model], pk: int, reset: dict[str, Any]) -> str | None:
    """Called holding the row's lock: no other execution is alive, so a row
    still "running" was left by one that died and is taken over."""
    with transaction.atomic():
        rows = model._default_manager.select_for_update().filter(pk=pk)
        row = rows.values("status", "attempts").first()
        if row is None or row["status"] not in (QUEUED, RUNNING):
            return None
        if row["status"] == RUNNING and row["attempts"] >= settings.JOB_MAX_ATTEMPTS:
            _fail_interrupted(model, pk, row["attempts"])
            return None
        token = uuid.uuid4().hex
        now = timezone.now()
        model._default_manager.filter(pk=pk).update(
            status=RUNNING,
            claim=token,
            attempts=F("attempts") + 1,
            started_at=now,
            heartbeat_at=now,
            **reset,
        )
    if row["status"] == RUNNING:
        logger.warning("%s %s: taking over from a worker that died", _label(model), pk)
    return token


def _fail_interrupted(model: type[Model], pk: int, attempts: int, claim: str | None = None):
    rows = model._default_manager.filter(pk=pk, status=RUNNING)
    if claim is not None:
        rows = rows.filter(claim=claim)
    failed = rows.update(
        status=FAILED,
        claim="",
        finished_at=timezone.now(),
        error=INTERRUPTED_MESSAGE.format(attempts=attempts),
    )
    if failed:
        logger.error("%s %s failed: interrupted %s times", _label(model), pk, attempts)
    return failed


# --- Sweeping ---------------------------------------------------------------


def _executor_gone(model: type[Model], pk: int) -> bool:
    """True when no live session holds the row's lock: its executor died."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", _lock_key(model, pk))
        (free,) = cursor.fetchone()
        if free:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", _lock_key(model, pk))
    return bool(free)


def _end_hung_executor(model: type[Model], pk: int) -> None:
    """End the session of an execution that holds the lock but has stopped
    beating (hung, or on a host cut off from us), freeing the row for another."""
    classid, objid = _lock_key(model, pk)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory'"
            " AND classid = %s AND objid = %s AND objsubid = 2 AND granted",
            [classid, objid],
        )


def job_recover(
    *, model: type[Model], pk: int, now: datetime | None = None, force: bool = False
) -> str:
    """Look at one row and deliver it again if it is stuck. Returns what was
    done: "republished", "restarted", "failed" or "" (nothing needed).
    `force` publishes a queued row again without waiting for the grace time."""
    now = now or timezone.now()
    fields = ("status", "queued_at", "heartbeat_at", "attempts", "claim")
    run = model._default_manager.filter(pk=pk).values(*fields).first()
    if run is None:
        return ""
    if run["status"] == QUEUED:
        cutoff = now if force else now - timedelta(seconds=settings.JOB_QUEUED_GRACE_SECONDS)
        if not model._default_manager.filter(pk=pk, status=QUEUED, queued_at__lte=cutoff).update(
            queued_at=now, published_at=None
        ):
            return ""
        job_publish(model=model, pk=pk)
        return "republished"
    if run["status"] != RUNNING:
        return ""
    stall = now - timedelta(seconds=settings.JOB_STALL_SECONDS)
    stalled = run["heartbeat_at"] is None or run["heartbeat_at"] < stall
    gone = _executor_gone(model, pk)
    if not gone and not stalled:
        return ""
    if not gone:
        logger.warning(
            "%s %s: no heartbeat since %s; ending it", _label(model), pk, run["heartbeat_at"]
        )
        try:
            _end_hung_executor(model, pk)
        except DatabaseError:
            # The app's role may not signal that session (another role's): the
            # run stays as it is, and is logged every minute, until it ends.
            logger.exception("%s %s: could not end its stalled session", _label(model), pk)
            return ""
    if run["attempts"] >= settings.JOB_MAX_ATTEMPTS:
        return "failed" if _fail_interrupted(model, pk, run["attempts"], run["claim"]) else ""
    if not model._default_manager.filter(pk=pk, status=RUNNING, claim=run["claim"]).update(
        status=QUEUED, claim="", queued_at=now, published_at=None
    ):
        return ""  # it finished, or another delivery took it over, meanwhile
    logger.warning("%s %s: its worker stopped; queued again", _label(model), pk)
    job_publish(model=model, pk=pk)
    return "restarted"


def jobs_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Every minute (beat): deliver what was left queued, restart what stalled."""
    now = now or timezone.now()
    done = {"republished": 0, "restarted": 0, "failed": 0}
    grace = now - timedelta(seconds=settings.JOB_QUEUED_GRACE_SECONDS)
    for model in job_models():
        rows = model._default_manager.values_list("pk", flat=True)
        stuck = rows.filter(status=QUEUED, queued_at__lte=grace)
        running = rows.filter(status=RUNNING)
        # Bounded: a backlog of thousands is delivered a few hundred a minute.
        for pk in [*stuck.order_by("queued_at")[:500], *running[:500]]:
            try:
                outcome = job_recover(model=model, pk=pk, now=now)
            except Exception:
                # One row's trouble must not stop the others being delivered.
                logger.exception("%s %s: sweeping it failed", _label(model), pk)
                continue
            if outcome:
                done[outcome] += 1
    return done
