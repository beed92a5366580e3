from __future__ import annotations

import socket

from celery import shared_task

from . import services


@shared_task(name="rrcase.core.tasks.worker_heartbeat")
def worker_heartbeat() -> str:
    hostname = socket.gethostname()
    services.worker_heartbeat_record(hostname=hostname)
    return hostname


@shared_task(name="rrcase.core.tasks.jobs_sweep")
def jobs_sweep() -> dict[str, int]:
    """Beat, every minute: publish again the jobs left queued (the broker was
    down) and restart those whose worker stopped (rrcase.core.jobs)."""
    from . import jobs

    return jobs.jobs_sweep()
