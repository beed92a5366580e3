"""Thin Celery tasks: each loads by id and calls a service (STYLE.md)."""

from __future__ import annotations

from celery import shared_task

from . import imports


@shared_task(name="offenders.tasks.import_run_process")
def import_run_process(import_run_id: int) -> str:
    """Run an uploaded import. Idempotent: a finished run is left alone and a
    re-delivered one (worker lost) imports the same files again by reference."""
    return imports.import_run_execute(run_id=import_run_id).status


@shared_task(name="offenders.tasks.alert_snapshot")
def alert_snapshot(on: str | None = None) -> int:
    """Daily (CELERY_BEAT_SCHEDULE): snapshot today's alerts. Idempotent per day."""
    from datetime import date

    from django.utils import timezone

    from .services import alert_snapshot_take

    return alert_snapshot_take(on=date.fromisoformat(on) if on else timezone.localdate())
