"""What every KPI shares: the period, rounding and the SQL fragments for
"proven offence" and "supervised disposal" (DOMAIN.md "Date arithmetic" and
"KPI definitions (version 1)").

Month arithmetic is done in PostgreSQL: `date + interval 'N months'` keeps the
day and clamps it to the end of a shorter month, exactly as DOMAIN.md defines
"d + N months" (2023-08-31 + 6 months = 2024-02-29), and the same as
rrcase.dates.add_months. tests/reporting/test_dates_in_sql.py holds the two to
each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection, transaction

from offenders.models import PROVEN_OUTCOMES, SUPERVISED_TYPES

DEFINITION_VERSION = 1

# A proven offence (DOMAIN.md "Date arithmetic") is a conviction or caution
# whose outcome_date is on or before as-of; every statement spells that out as
# `o.outcome = ANY(%(proven)s) AND o.outcome_date <= %(as_of)s`.
PROVEN = tuple(str(outcome) for outcome in PROVEN_OUTCOMES)
SUPERVISED = tuple(str(kind) for kind in SUPERVISED_TYPES)


def _members(started_by: str, still_in: str) -> str:
    return f"""members AS (
    SELECT DISTINCT m.person_id
    FROM offenders_cohortmembership m
    WHERE m.cohort = %(cohort)s
      AND m.start_date <= {started_by}
      AND m.start_date <= %(as_of)s
      AND (m.end_date IS NULL OR {still_in})
)"""  # noqa: S608 (constant fragments, no input)


def members_on(day: str) -> str:
    """`WITH {members_on("%(end)s")}`: the people in %(cohort)s on `day` (a
    statement parameter) as known on as-of: adopted by then, and not ended
    before it (an end recorded after as-of was not known yet)."""
    return _members(day, f"m.end_date >= {day} OR m.end_date > %(as_of)s")


# `WITH {MEMBERS_DURING}`: everyone with a membership of %(cohort)s active at
# any time in [start, end], as known on as-of (report sections beside the KPIs).
MEMBERS_DURING = _members("%(end)s", "m.end_date >= %(start)s")
# `WITH {MEMBERS_AT_END}`: those still in the cohort at the end of the period.
MEMBERS_AT_END = members_on("%(end)s")


@dataclass(frozen=True)
class Period:
    """[start, end], both inclusive, and the date up to which data is known."""

    start: date
    end: date
    as_of: date

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise ValueError(f"The period starts ({self.start}) after it ends ({self.end}).")

    @property
    def params(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "as_of": self.as_of,
            "proven": list(PROVEN),
            "supervised": list(SUPERVISED),
        }


def day_after(day: date) -> date:
    return day + timedelta(days=1)


def rounded(value: Decimal | None, places: int) -> float | None:
    """Round half away from zero (as published statistics do, not banker's
    rounding) and hand back a float so the JSON carries a plain number."""
    if value is None:
        return None
    quantum = Decimal(1).scaleb(-places)
    return float(value.quantize(quantum, rounding=ROUND_HALF_UP))


def ratio(
    numerator: int | Decimal, denominator: int | Decimal, *, scale: int = 1
) -> Decimal | None:
    """numerator / denominator * scale, unrounded; None when the denominator is 0."""
    if not denominator:
        return None
    return Decimal(numerator) * scale / Decimal(denominator)


def percent(numerator: int | Decimal, denominator: int | Decimal, places: int = 1) -> float | None:
    return rounded(ratio(numerator, denominator, scale=100), places)


def fetch_all(sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    # PostgreSQL's JIT spends seconds compiling these one-off reporting
    # statements at 250,000 people, more than running them takes; it is turned
    # off for each statement only (SET LOCAL ends with the transaction).
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def fetch_one(sql: str, params: dict[str, Any]) -> tuple[Any, ...]:
    rows = fetch_all(sql, params)
    return rows[0]
