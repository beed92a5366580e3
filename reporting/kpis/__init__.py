"""The KPI engine: DOMAIN.md "KPI definitions (version 1)", as built.

`kpi_results(...)` runs every KPI for one period and returns the public
contract the `kpi` management command prints (DESIGN.md "Contracts other tools
rely on"): `period`, `as_of`, `definition_version` and one key per KPI holding
the output fields DOMAIN.md lists. docs/kpis.md restates each definition.

Each KPI is one set-based SQL statement, so the number of queries is the same
for ten people or 250,000.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from offenders.models import Cohort

from .common import DEFINITION_VERSION, Period
from .impact import CostTable, IomImpact, cost_table_for, iom_impact
from .reoffending import (
    CohortOffending,
    Ni18,
    ProvenReoffending,
    ReoffendingCounts,
    cohort_offending,
    ni18,
    proven_reoffending,
)
from .supervision import EndOfSupervisionOutcome, ni143_ni144

__all__ = [
    "DEFINITION_VERSION",
    "CohortOffending",
    "CostTable",
    "EndOfSupervisionOutcome",
    "IomImpact",
    "Ni18",
    "Period",
    "ProvenReoffending",
    "ReoffendingCounts",
    "cohort_offending",
    "cost_table_for",
    "iom_impact",
    "kpi_results",
    "ni18",
    "ni143_ni144",
    "proven_reoffending",
]

KPI_NAMES = (
    "proven_reoffending",
    "cohort_offending",
    "ni143",
    "ni144",
    "ni18",
    "iom_impact",
)


def kpi_results(
    *,
    start: date,
    end: date,
    as_of: date,
    cohort: str = Cohort.IOM,
    cost_table_id: int | None = None,
) -> dict[str, Any]:
    """Every KPI for [start, end] as known on as_of, as plain JSON-ready data.

    `cohort` chooses the scheme for cohort_offending and iom_impact (default
    iom). Raises ValueError for a period that ends before it starts, an
    unknown cohort, or a cost table that does not exist."""
    if cohort not in Cohort.values:
        raise ValueError(f"Unknown cohort {cohort!r}: use one of {', '.join(Cohort.values)}.")
    period = Period(start=start, end=end, as_of=as_of)
    table = cost_table_for(cost_table_id)
    if cost_table_id is not None and table is None:
        raise ValueError(f"There is no unit cost table with id {cost_table_id}.")
    accommodation, employment = ni143_ni144(period)
    return {
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "as_of": as_of.isoformat(),
        "definition_version": DEFINITION_VERSION,
        "proven_reoffending": proven_reoffending(period).as_dict(),
        "cohort_offending": cohort_offending(period, cohort).as_dict(),
        "ni143": accommodation.as_dict(),
        "ni144": employment.as_dict(),
        "ni18": ni18(period).as_dict(),
        "iom_impact": iom_impact(period, cohort, table).as_dict(),
    }
