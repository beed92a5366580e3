"""Calendar arithmetic as DOMAIN.md defines it."""

from __future__ import annotations

import calendar
from datetime import date


def add_months(day: date, months: int) -> date:
    """The same day N months later, clamped to the end of a shorter month:
    2023-08-31 + 6 months = 2024-02-29 (DOMAIN.md "Date arithmetic")."""
    month_index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(month_index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))
