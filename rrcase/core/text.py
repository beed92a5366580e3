"""Bounds on free text (docs/decisions.md, "Free text is bounded").

Every text column a person can type into has a maximum, held in three places
that must agree: the model field's `max_length` (which ModelForms and DRF
ModelSerializers pick up), a database CHECK on `char_length` (so nothing — a
shell, an import, a future service — stores more), and the form or serializer
field that writes it. `tests/test_text_bounds.py` walks every model and form
to prove it. A `TextField` keeps its textarea widget; Django does not enforce
its `max_length` itself, hence the CHECK.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual

# Why something was decided or changed: a BRAG change, a selection, a
# referral, a rejection. A paragraph or two; a pasted report is not a reason.
REASON = 2_000
# Notes, discussions, agency updates, outcomes, declarations.
NOTE = 5_000
# Reference text an administrator writes once (service descriptions,
# eligibility, publication sources).
DESCRIPTION = 5_000
# Short system messages (a failed job's error, for the people who run it).
ERROR = 5_000


def text_bound(field: str, limit: int, *, prefix: str) -> models.CheckConstraint:
    """The database half of a bound: CHECK (char_length(field) <= limit)."""
    return models.CheckConstraint(
        condition=LessThanOrEqual(Length(field), limit),
        name=f"{prefix}_{field}_len",
        violation_error_message=f"This must be {limit:,} characters or less",
    )


def too_long(label: str, limit: int) -> str:
    """GOV.UK's wording for text over a character limit
    (design-system.service.gov.uk/components/character-count): "[whatever it
    is] must be [number] characters or less"."""
    return f"{label} must be {limit:,} characters or less"


def bounded_text(
    label: str,
    limit: int,
    *,
    required: bool = False,
    rows: int = 3,
    noun: str | None = None,
    error_messages: dict[str, str] | None = None,
    **kwargs: Any,
) -> forms.CharField:
    """A textarea with a character limit and GOV.UK's error message for it.
    `noun` names the thing in the error when the label is a question."""
    messages = {"max_length": too_long(noun or label, limit), **(error_messages or {})}
    field = forms.CharField(
        label=label,
        max_length=limit,
        required=required,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages=messages,
        **kwargs,
    )
    # GOV.UK: no maxlength attribute (the browser would silently cut pasted
    # text); the character count says how much is left instead.
    field.widget.attrs.pop("maxlength", None)
    return field


def check_length(text: str, limit: int, label: str) -> str:
    """A service's own refusal of over-long text (a form or serializer says it
    first; this keeps a caller that skips them from reaching the CHECK)."""
    if len(text) > limit:
        raise ValueError(too_long(label, limit))
    return text
