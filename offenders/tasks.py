"""Thin Celery tasks: each loads by id and calls a service (STYLE.md)."""

from __future__ import annotations

from celery import shared_task

from . import imports


@shared_task(name="offenders.tasks.import_run_process")
def import_run_process(import_run_id: int) -> str:
    """Run an uploaded import. Idempotent: a finished run is left alone and a
    re-delivered one (worker lost) imports the same files again by reference."""
    return imports.import_run_execute(run_id=import_run_id).status
