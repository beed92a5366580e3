"""Fixtures that start real Redis, worker and beat processes (tests/jobs/processes.py)."""

from .processes import broker, fast_jobs, redis_server, start_worker  # noqa: F401
