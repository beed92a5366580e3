"""A panel type's cadence as dateutil recurrence rules: "monthly, second
Tuesday" is rrule(MONTHLY, byweekday=TU(+2))."""

from __future__ import annotations

from datetime import date, datetime, time

from dateutil.rrule import MONTHLY, WEEKLY, rrule, weekday

from .models import Frequency, PanelType


def _rule(panel_type: PanelType) -> rrule:
    start = datetime.combine(panel_type.cadence_starts_on, time.min)
    day = weekday(panel_type.weekday)
    if panel_type.frequency == Frequency.MONTHLY:
        nth = panel_type.week_of_month or 1
        return rrule(MONTHLY, dtstart=start, byweekday=day(nth))
    interval = 2 if panel_type.frequency == Frequency.FORTNIGHTLY else 1
    return rrule(WEEKLY, dtstart=start, interval=interval, byweekday=day)


def meeting_dates(panel_type: PanelType, start: date, end: date) -> list[date]:
    """The panel's meeting dates in [start, end)."""
    if end <= start:
        return []
    rule = _rule(panel_type)
    after = datetime.combine(start, time.min)
    before = datetime.combine(end, time.min)
    return [d.date() for d in rule.between(after, before, inc=True) if d.date() < end]


def next_meeting_date(panel_type: PanelType, after: date) -> date | None:
    """The first cadence date strictly after `after`."""
    found = _rule(panel_type).after(datetime.combine(after, time.max))
    return found.date() if found else None
