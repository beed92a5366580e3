"""GOV.UK tag colours for pathway statuses, so every page shows them alike."""

from __future__ import annotations

from django import template

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
