"""Presentation of people's statuses: GOV.UK tag colours and dates in full."""

from __future__ import annotations

from django import template

register = template.Library()

BRAG_TAG = {"blue": "govuk-tag--blue", "red": "govuk-tag--red", "amber": "govuk-tag--orange",
            "green": "govuk-tag--green"}  # fmt: skip
ROSH_TAG = {"low": "govuk-tag--grey", "medium": "govuk-tag--yellow", "high": "govuk-tag--orange",
            "very_high": "govuk-tag--red"}  # fmt: skip


@register.filter
def brag_tag(value: str) -> str:
    return BRAG_TAG.get(value, "govuk-tag--grey")


@register.filter
def rosh_tag(value: str) -> str:
    return ROSH_TAG.get(value, "govuk-tag--grey")
