"""The last eight quarters' headline KPIs, for the report's trend table."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from offenders.models import Cohort
from rrcase.dates import add_months

from .common import Period
from .reoffending import cohort_offending, ni18, proven_reoffending
from .supervision import ni143_ni144

QUARTERS = 8


def quarters_ending_with(day: date, count: int = QUARTERS) -> list[tuple[date, date]]:
    """`count` calendar quarters, oldest first, the last one containing `day`."""
    last = day.year * 4 + (day.month - 1) // 3
    quarters = []
    for index in range(last - count + 1, last + 1):
        year, quarter = divmod(index, 4)
        start = date(year, 3 * quarter + 1, 1)
        quarters.append((start, add_months(start, 3) - timedelta(days=1)))
    return quarters


def headline_trend(
    *,
    end: date,
    as_of: date,
    cohort: str = Cohort.IOM,
    on_quarter: Callable[[date], None] | None = None,
) -> list[dict[str, Any]]:
    """Headline figures for each of the eight quarters up to the one containing
    `end`, all as known on as-of (so older quarters are final, recent ones may
    not be). A fixed number of statements per quarter: no per-person work."""
    rows = []
    for start, quarter_end in quarters_ending_with(end):
        if on_quarter is not None:
            on_quarter(start)
        period = Period(start=start, end=quarter_end, as_of=as_of)
        reoffending = proven_reoffending(period).as_dict()
        accommodation, employment = ni143_ni144(period)
        supervision = ni18(period).as_dict()
        change = cohort_offending(period, cohort).as_dict()
        rows.append(
            {
                "start": start.isoformat(),
                "end": quarter_end.isoformat(),
                "reoffending_cohort": reoffending["cohort"],
                "reoffenders": reoffending["reoffenders"],
                "binary_rate": reoffending["binary_rate"],
                "reoffending_final": reoffending["final"],
                "cohort_change_percent": change["change_percent"],
                "ni143_rate": accommodation.as_dict()["rate"],
                "ni144_rate": employment.as_dict()["rate"],
                "ni18_actual_rate": supervision["actual_rate"],
                "ni18_predicted_rate": supervision["predicted_rate"],
                # The counts the rates are built on, for small-number suppression.
                "baseline_offences": change["baseline_offences"],
                "followup_offences": change["followup_offences"],
                "ni143_numerator": accommodation.numerator,
                "ni143_denominator": accommodation.denominator,
                "ni144_numerator": employment.numerator,
                "ni144_denominator": employment.denominator,
                "ni18_cohort": supervision["cohort"],
                "ni18_reoffenders": supervision["reoffenders"],
            }
        )
    return rows
