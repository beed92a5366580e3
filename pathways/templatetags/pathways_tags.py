"""GOV.UK tag colours for pathway statuses, so every page shows them alike."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone

register = template.Library()

_NEED = {
    "not_started": "govuk-tag--grey",
    "in_progress": "govuk-tag--blue",
    "met": "govuk-tag--green",
    "declined": "govuk-tag--orange",
}
_REFERRAL = {
    "draft": "govuk-tag--grey",
    "sent": "govuk-tag--blue",
    "accepted": "govuk-tag--turquoise",
    "rejected": "govuk-tag--red",
    "started": "govuk-tag--purple",
    "completed": "govuk-tag--green",
    "disengaged": "govuk-tag--orange",
    "withdrawn": "govuk-tag--grey",
}
_LEVEL = {
    "none": "govuk-tag--grey",
    "low": "govuk-tag--green",
    "medium": "govuk-tag--yellow",
    "high": "govuk-tag--red",
}


@register.filter
def need_tag(status: str) -> str:
    return _NEED.get(status, "govuk-tag--grey")


@register.filter
def referral_tag(state: str) -> str:
    return _REFERRAL.get(state, "govuk-tag--grey")


@register.filter
def level_tag(level: str) -> str:
    return _LEVEL.get(level, "govuk-tag--grey")


@register.filter
def when(value: datetime | None) -> str:
    """A moment as GOV.UK writes it, in UK time: "14 May 2026 at 11am", "… at 3:30pm"."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    hour = local.hour % 12 or 12
    minutes = f":{local.minute:02d}" if local.minute else ""
    return f"{local.day} {local:%B %Y} at {hour}{minutes}{'am' if local.hour < 12 else 'pm'}"
