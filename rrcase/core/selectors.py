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
    def ok(self) -> bool:
        return self.database and self.broker is not False


def health_check() -> Health:
    """Reachability of the database and broker. Never touches personal data."""
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
            with app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=2)
            broker = True
        except Exception:
            broker = False

    last = None
    if database:
        last = (
            WorkerHeartbeat.objects.order_by("-beat_at").values_list("beat_at", flat=True).first()
        )
    return Health(database=database, broker=broker, last_worker_heartbeat=last)
