from __future__ import annotations

from django.db import models


class WorkerHeartbeat(models.Model):
    """One row per Celery worker host, touched every minute by a beat task, so
    /healthz can say whether background jobs are actually being processed."""

    hostname = models.CharField(max_length=200, unique=True)
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.hostname} at {self.beat_at:%Y-%m-%d %H:%M:%S}"
