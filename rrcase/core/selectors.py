from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import connection

from .models import WorkerHeartbeat


@dataclass(frozen=True)
class Health:
    database: bool
    broker: bool | None  # None: no broker configured, tasks run in-process
    last_worker_heartbeat: datetime | None

    @property
    def ready(self) -> bool:
        """Can this web process serve pages? Only the database decides: pages
        work without Redis or a worker (jobs queue up or run later), so their
        state is reported, never a failure of the web tier."""
        return self.database

    @property
    def status(self) -> str:
        if not self.database:
            return "unavailable"
        if self.broker is False:
            return "degraded"  # pages work; background jobs wait for the broker
        return "ok"


def health_check() -> Health:
    """Reachability of the database and broker, and the last worker heartbeat.
    Never touches personal data."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = True
    except Exception:
        database = False

    broker: bool | None = None
    if settings.REDIS_URL:
        from rrcase.celery import app

        try:
            with app.connection_for_write(url=settings.REDIS_URL) as conn:
                # One attempt, no retry: a health check answers quickly.
                conn.ensure_connection(max_retries=0, timeout=2)
            broker = True
        except Exception:
            broker = False

    last = None
    if database:
        last = (
            WorkerHeartbeat.objects.order_by("-beat_at").values_list("beat_at", flat=True).first()
        )
    return Health(database=database, broker=broker, last_worker_heartbeat=last)
