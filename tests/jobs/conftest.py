"""Fixtures that start real Redis, worker and beat processes (tests/jobs/processes.py)."""

from .processes import (  # noqa: F401
    broker,
    fast_jobs,
    redis_server,
    start_beat,
    start_worker,
)
