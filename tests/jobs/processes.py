"""Real processes for the fault tests: a Redis server on a free loopback port,
Celery workers and beat on the test database, started, killed and restarted by
the test. One place for them (tests/jobs/conftest.py and
tests/core/test_celery_worker.py import these fixtures)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.db import connection

from rrcase.celery import app

ROOT = Path(__file__).resolve().parents[2]
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"

# What the worker processes run with: a heartbeat every second, so a test sees
# the fault within seconds instead of minutes. The sweeper runs in the test
# process, with the `fast_jobs` settings below.
# TEST_CELERY_LOGLEVEL=DEBUG to see what a worker or beat did, in its log under tmp_path.
LOGLEVEL = os.environ.get("TEST_CELERY_LOGLEVEL", "INFO")
WORKER_ENV = {"JOB_HEARTBEAT_SECONDS": "1", "JOB_STALL_SECONDS": "8", "JOB_MAX_ATTEMPTS": "3"}


def wait_for(predicate: Callable[[], object], timeout: float = 30.0, every: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def database_url_for_processes() -> str:
    """The test database, for processes the test starts."""
    db = connection.settings_dict
    if str(db["HOST"]).startswith("/"):
        return f"postgres://{db['USER']}@{quote(db['HOST'], safe='')}/{db['NAME']}"
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    host = db["HOST"] or "localhost"
    return f"postgres://{db['USER']}{password}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


class RedisServer:
    """A redis-server of the test's own, on a free loopback port, with no
    persistence: stopping it is a Redis outage, starting it again a recovery."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        assert Path(REDIS_SERVER).exists(), (
            "redis-server is missing: install Debian's redis-server (.ci/run does)"
        )
        log = (self.directory / "redis.log").open("ab")
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        client = redis.Redis.from_url(self.url)

        def answers() -> bool:
            try:
                return bool(client.ping())
            except redis.ConnectionError:
                return False

        assert wait_for(answers, timeout=10, every=0.05), "redis-server did not start"

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)

    def task_names(self, queue: str = "celery") -> list[str]:
        """The tasks waiting in a queue, oldest first."""
        raw = self.client().lrange(queue, 0, -1)
        return [json.loads(item)["headers"]["task"] for item in reversed(raw)]


def _die_with_parent() -> None:
    """In the child, before exec: SIGKILL it if the test process dies (Linux prctl)."""
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


class CeleryProcess:
    """A `celery worker` or `celery beat` in a process group of its own, so a
    test can kill it and everything it started, as a container kill would."""

    def __init__(self, args: list[str], *, broker_url: str, log_path: Path, env: dict[str, str]):
        self.log_path = log_path
        full_env = {
            **os.environ,
            "DATABASE_URL": database_url_for_processes(),
            "REDIS_URL": broker_url,
            "DJANGO_SETTINGS_MODULE": "rrcase.settings.dev",
            **WORKER_ENV,
            **env,
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "rrcase", *args, f"--loglevel={LOGLEVEL}"],
            cwd=ROOT,
            env=full_env,
            stdout=log_path.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for_log(self, text: str, timeout: float = 30.0) -> bool:
        return wait_for(lambda: text in self.log(), timeout=timeout)

    def children(self) -> list[int]:
        path = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        return [int(pid) for pid in path.read_text().split()] if path.exists() else []

    def signal_group(self, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, sig)

    def kill(self) -> None:
        """SIGKILL to the worker and its children at once: nothing gets to clean up."""
        self.signal_group(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """A clean stop (SIGTERM): a worker finishes its task, beat saves its state."""
        if self.process.poll() is None:
            self.signal_group(signal.SIGCONT)
            self.signal_group(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def broker(redis_server: RedisServer) -> Iterator[RedisServer]:
    """This process publishes to the test's Redis, for real (not in-process)."""
    previous = app.conf.broker_url, app.conf.task_always_eager
    _publish_to(redis_server.url)
    app.conf.task_always_eager = False
    yield redis_server
    _publish_to(previous[0])
    app.conf.task_always_eager = previous[1]


def _publish_to(url: str) -> None:
    """Point this process's publishing at `url`: forget the app's pools, as
    Celery does after a fork, so they are made again for the new URL. (Not
    `app.close()`, which unregisters the app, nor closing them: kombu keeps
    them by URL and would hand a closed one back when the URL is restored.)"""
    app.conf.broker_url = url
    app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


@pytest.fixture
def start_worker(
    broker: RedisServer, transactional_db: None, tmp_path: Path
) -> Iterator[Callable[..., CeleryProcess]]:
    """Start real `celery worker` processes on the test database and Redis:
    `start_worker()` is one process running jobs itself (solo pool);
    `start_worker(pool="prefork")` a parent with one child that runs them."""
    started: list[CeleryProcess] = []

    def start(*, pool: str = "solo", queue: str = "celery", **env: str) -> CeleryProcess:
        args = [
            "worker",
            "-Q",
            queue,
            f"--pool={pool}",
            "--concurrency=1",
            f"--hostname=test{len(started)}@%h",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
        ]
        from django.conf import settings

        worker = CeleryProcess(
            args,
            broker_url=broker.url,
            log_path=tmp_path / f"worker{len(started)}.log",
            # Uploaded files are where this test put them.
            env={"MEDIA_ROOT": str(settings.MEDIA_ROOT), **env},
        )
        started.append(worker)
        assert worker.wait_for_log(" ready."), f"worker did not start:\n{worker.log()}"
        return worker

    yield start
    for worker in started:
        # The test is over: nothing of theirs needs to finish.
        if worker.process.poll() is None:
            worker.kill()


@pytest.fixture
def start_beat(broker: RedisServer, transactional_db: None, tmp_path: Path):
    """Start real `celery beat` processes on the test database and Redis; each
    is killed at the end of the test whatever happened (a beat retrying a
    stopped Redis ignores SIGTERM)."""
    started: list[CeleryProcess] = []

    def start() -> CeleryProcess:
        beat = CeleryProcess(
            ["beat"], broker_url=broker.url, log_path=tmp_path / f"beat{len(started)}.log", env={}
        )
        started.append(beat)
        assert beat.wait_for_log("beat: Starting..."), beat.log()
        return beat

    yield start
    for beat in started:
        if beat.process.poll() is None:
            beat.kill()


@pytest.fixture
def fast_jobs(settings):
    """The sweeper's limits in this process, matching WORKER_ENV."""
    settings.JOB_HEARTBEAT_SECONDS = int(WORKER_ENV["JOB_HEARTBEAT_SECONDS"])
    settings.JOB_STALL_SECONDS = int(WORKER_ENV["JOB_STALL_SECONDS"])
    settings.JOB_MAX_ATTEMPTS = int(WORKER_ENV["JOB_MAX_ATTEMPTS"])
    settings.JOB_QUEUED_GRACE_SECONDS = 0
    return settings


class TablesLocked:
    """Holds ACCESS EXCLUSIVE locks on tables from a session of its own, so a
    job that reads them waits there, mid-run, until `release()`: the test's
    way of catching a job part way through (its heartbeat thread carries on)."""

    def __init__(self, *tables: str):
        import psycopg

        self.connection = psycopg.connect(database_url_for_processes())
        self.connection.execute(f"LOCK TABLE {', '.join(tables)} IN ACCESS EXCLUSIVE MODE")

    def release(self) -> None:
        if not self.connection.closed:
            self.connection.rollback()
            self.connection.close()
