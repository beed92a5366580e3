"""Tags and labels for panel pages."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()

_TAGS = {
    # meeting status
    "scheduled": ("Scheduled", "govuk-tag--blue"),
    "in_progress": ("In progress", "govuk-tag--yellow"),
    "concluded": ("Concluded", "govuk-tag--green"),
    "cancelled": ("Cancelled", "govuk-tag--grey"),
    # action tracker status
    "open": ("Open", "govuk-tag--blue"),
    "due": ("Due this week", "govuk-tag--yellow"),
    "overdue": ("Overdue", "govuk-tag--red"),
    "done": ("Done", "govuk-tag--green"),
    "not_possible": ("Not possible", "govuk-tag--grey"),
    "not_done": ("Not done", "govuk-tag--orange"),
    # attendance
    "present": ("Present", "govuk-tag--green"),
    "apologies": ("Apologies", "govuk-tag--grey"),
    "absent": ("Absent", "govuk-tag--red"),
}
_BRAG = {
    "blue": ("Blue", "govuk-tag--blue"),
    "red": ("Red", "govuk-tag--red"),
    "amber": ("Amber", "govuk-tag--orange"),
    "green": ("Green", "govuk-tag--green"),
}


@register.filter
def status_tag(value: str) -> SafeString:
    label, css = _TAGS.get(
        str(value), (str(value).replace("_", " ").capitalize(), "govuk-tag--grey")
    )
    return format_html('<strong class="govuk-tag {}">{}</strong>', css, label)


@register.filter
def brag_tag(value: str) -> SafeString:
    if not value:
        return format_html('<span class="govuk-hint govuk-!-margin-0">{}</span>', "Not set")
    label, css = _BRAG.get(str(value), (str(value), "govuk-tag--grey"))
    return format_html('<strong class="govuk-tag {}">BRAG: {}</strong>', css, label)


@register.filter
def reason_label(value: str) -> str:
    from panels.agenda import REASON_LABELS

    return REASON_LABELS.get(str(value), str(value))


@register.filter
def get_item(mapping: dict[str, str], key: str) -> str:
    return mapping.get(key, "")


@register.filter
def action_state(action: object, today: object) -> str:
    return action.tracker_status(today)  # type: ignore[attr-defined]


@register.filter
def class_label(value: str) -> str:
    """A class of information in words, for "not shown" notes: "police intelligence"."""
    from panels.selectors import CLASS_NOUNS

    return CLASS_NOUNS.get(value, value)
