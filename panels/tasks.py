"""Thin Celery tasks that call panels.services (STYLE.md)."""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.utils import timezone

from . import services
from .models import PanelType


@shared_task(name="panels.tasks.panels_daily")
def panels_daily(on: str | None = None) -> int:
    """Daily (CELERY_BEAT_SCHEDULE): keep three months of meetings scheduled
    for every active panel type, then build agendas and ask agencies for
    updates for meetings whose update window has opened. Idempotent: running
    it twice on a day changes nothing the second time."""
    today = date.fromisoformat(on) if on else timezone.localdate()
    for panel_type in PanelType.objects.filter(is_active=True):
        services.meetings_generate(panel_type=panel_type, start=today, months=3)
    return services.update_requests_due(today=today)


@shared_task(name="panels.tasks.panel_access_review")
def panel_access_review(on: str | None = None) -> int:
    """Daily (CELERY_BEAT_SCHEDULE): end the access panels gave member agencies
    to people who have left the panel's remit. Idempotent."""
    today = date.fromisoformat(on) if on else timezone.localdate()
    return services.panel_access_review(today=today)
