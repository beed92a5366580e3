"""Accommodation and employment at the end of supervision (DOMAIN.md "KPI
definitions (version 1)" → "ni143 / ni144"). Both come from one statement."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .common import DEFINITION_VERSION, Period, fetch_one, percent


@dataclass(frozen=True)
class EndOfSupervisionOutcome:
    numerator: int
    denominator: int
    excluded: int
    definition_version: int = DEFINITION_VERSION

    def as_dict(self) -> dict[str, Any]:
        return {
            "numerator": self.numerator,
            "denominator": self.denominator,
            "excluded": self.excluded,
            "rate": percent(self.numerator, self.denominator),
        }


END_OF_SUPERVISION_SQL = """
SELECT
    count(*) FILTER (WHERE accommodation_at_end = 'settled'),
    count(*) FILTER (WHERE accommodation_at_end <> 'unknown'),
    count(*) FILTER (WHERE accommodation_at_end = 'unknown'),
    count(*) FILTER (WHERE employment_at_end = 'employed'),
    count(*) FILTER (WHERE employment_at_end NOT IN ('unknown', 'unavailable')),
    count(*) FILTER (WHERE employment_at_end IN ('unknown', 'unavailable'))
FROM offenders_disposal
WHERE supervised_by_probation
  AND type = ANY(%(supervised)s)
  AND terminated_date BETWEEN %(start)s AND %(end)s
  AND terminated_date <= %(as_of)s
"""


def ni143_ni144(period: Period) -> tuple[EndOfSupervisionOutcome, EndOfSupervisionOutcome]:
    """NI 143 (settled accommodation) and NI 144 (employment) at the end of
    supervision (DOMAIN.md "ni143 / ni144", version 1).

    Population: disposals supervised by probation — licence, PSS, community
    order, SSO — terminated in [start, end] (one row per disposal, not per
    person). ni143 leaves `unknown` accommodation out of the denominator;
    ni144 leaves `unknown` and `unavailable` employment out. Those left out
    are `excluded`; rate is null when the denominator is 0."""
    row = fetch_one(END_OF_SUPERVISION_SQL, period.params)
    ni143 = EndOfSupervisionOutcome(numerator=row[0], denominator=row[1], excluded=row[2])
    ni144 = EndOfSupervisionOutcome(numerator=row[3], denominator=row[4], excluded=row[5])
    return ni143, ni144
