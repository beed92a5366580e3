from __future__ import annotations

import socket

from celery import shared_task

from . import services


@shared_task(name="rrcase.core.tasks.worker_heartbeat")
def worker_heartbeat() -> str:
    hostname = socket.gethostname()
    services.worker_heartbeat_record(hostname=hostname)
    return hostname
