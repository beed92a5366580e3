from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone


class WorkerHeartbeat(models.Model):
    """One row per Celery worker host, touched every minute by a beat task, so
    /healthz can say whether background jobs are actually being processed."""

    hostname = models.CharField(max_length=200, unique=True)
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.hostname} at {self.beat_at:%Y-%m-%d %H:%M:%S}"


class JobRecord(models.Model):
    """What a background job's own row needs so that it is never lost
    (rrcase.core.jobs): when it was last put on the queue and whether the
    broker took it, the running worker's heartbeat, how many times it was
    started, and the token of the execution that owns it now. A model using
    it also has `status` (with "queued", "running" and "failed"),
    `started_at`, `finished_at` and `error`."""

    queued_at = models.DateTimeField(default=timezone.now)
    # Null while the broker has not accepted it since it was last queued.
    published_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    claim = models.CharField(max_length=32, blank=True)

    class Meta:
        abstract = True

    @property
    def job_waiting_for_service(self) -> bool:
        """Queued, and the job service has not taken it: the broker was
        unreachable, or no worker has started it within the grace time."""
        if self.status != "queued":  # type: ignore[attr-defined]
            return False
        grace = timedelta(seconds=settings.JOB_QUEUED_GRACE_SECONDS)
        return self.published_at is None or self.queued_at < timezone.now() - grace

    @property
    def job_restarting(self) -> bool:
        """Queued again after an attempt was interrupted."""
        return self.status == "queued" and self.attempts > 0  # type: ignore[attr-defined]

    @property
    def job_silent(self) -> bool:
        """Running, but its worker has missed three heartbeats: it has most
        likely stopped, and will be restarted."""
        if self.status != "running" or self.heartbeat_at is None:  # type: ignore[attr-defined]
            return False
        silence = timedelta(seconds=3 * settings.JOB_HEARTBEAT_SECONDS)
        return self.heartbeat_at < timezone.now() - silence

    @property
    def job_max_attempts(self) -> int:
        return int(settings.JOB_MAX_ATTEMPTS)
