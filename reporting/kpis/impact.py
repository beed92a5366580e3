"""Offending before, during and after a cohort membership, with the cost of
crime (DOMAIN.md "KPI definitions (version 1)" → "iom_impact")."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from offenders.models import Cohort, OffenceCategory
from reporting.models import UnitCostTable

from .common import DEFINITION_VERSION, Period, fetch_one


@dataclass(frozen=True)
class CostTable:
    id: int
    name: str
    price_year: int
    source: str
    uncosted_categories: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "price_year": self.price_year,
            "source": self.source,
            "uncosted_categories": list(self.uncosted_categories),
        }


@dataclass(frozen=True)
class IomImpact:
    cohort_name: str
    memberships: int
    before_offences: int
    during_offences: int
    after_offences: int
    after_cohort: int
    before_cost: Decimal | None
    during_cost: Decimal | None
    after_cost: Decimal | None
    cost_table: CostTable | None
    definition_version: int = DEFINITION_VERSION

    def as_dict(self) -> dict[str, Any]:
        def money(value: Decimal | None) -> float | None:
            return float(value) if value is not None else None

        return {
            "memberships": self.memberships,
            "before_offences": self.before_offences,
            "during_offences": self.during_offences,
            "after_offences": self.after_offences,
            "after_cohort": self.after_cohort,
            "before_cost": money(self.before_cost),
            "during_cost": money(self.during_cost),
            "after_cost": money(self.after_cost),
            "cost_table": self.cost_table.as_dict() if self.cost_table else None,
        }


def cost_table_for(table_id: int | None = None) -> CostTable | None:
    """The chosen unit cost table, or the default; None when there is none."""
    tables = UnitCostTable.objects.all()
    table = (
        tables.filter(pk=table_id).first() if table_id else tables.filter(is_default=True).first()
    )
    if table is None:
        return None
    costed = set(table.costs.values_list("category", flat=True))
    return CostTable(
        id=table.pk,
        name=table.name,
        price_year=table.price_year,
        source=table.source,
        uncosted_categories=tuple(c.value for c in OffenceCategory if c.value not in costed),
    )


IOM_IMPACT_SQL = """
WITH memberships AS (
    SELECT
        m.id, m.person_id, m.start_date AS adopted,
        -- An end date after as-of is not known yet: the membership is current.
        CASE WHEN m.end_date <= %(as_of)s THEN m.end_date + 1 END AS left_on
    FROM offenders_cohortmembership m
    WHERE m.cohort = %(cohort)s
      AND m.start_date <= %(end)s
      AND m.start_date <= %(as_of)s
      AND (m.end_date IS NULL OR m.end_date >= %(start)s)
),
windows AS (
    SELECT
        id, person_id, adopted, left_on,
        (adopted - interval '12 months')::date AS before_from,
        coalesce(left_on, %(as_of)s::date + 1) AS during_to,
        (left_on + interval '12 months')::date AS after_to,
        left_on IS NOT NULL
            AND (left_on + interval '12 months')::date <= %(as_of)s AS after_complete
    FROM memberships
),
bounded AS (
    SELECT *, CASE WHEN after_complete THEN after_to ELSE during_to END AS counted_to
    FROM windows
),
counted AS (
    SELECT
        CASE
            WHEN o.offence_date < w.adopted THEN 'before'
            WHEN o.offence_date < w.during_to THEN 'during'
            ELSE 'after'
        END AS phase,
        o.category,
        count(*) AS offences
    FROM bounded w
    -- One index range scan per membership on (person, offence_date).
    CROSS JOIN LATERAL (
        SELECT o.offence_date, o.category
        FROM offenders_offence o
        WHERE o.person_id = w.person_id
          AND o.offence_date >= w.before_from
          AND o.offence_date < w.counted_to
          AND o.outcome = ANY(%(proven)s) AND o.outcome_date <= %(as_of)s  -- proven by as-of
        OFFSET 0  -- keeps the planner from flattening this into a full-table merge join
    ) AS o
    GROUP BY 1, 2
)
-- Costs are applied to the counts per phase and category, from one table.
SELECT
    (SELECT count(*) FROM windows),
    (SELECT count(*) FROM windows WHERE after_complete),
    coalesce(sum(offences) FILTER (WHERE phase = 'before'), 0),
    coalesce(sum(offences) FILTER (WHERE phase = 'during'), 0),
    coalesce(sum(offences) FILTER (WHERE phase = 'after'), 0),
    coalesce(sum(offences * coalesce(c.cost, 0)) FILTER (WHERE phase = 'before'), 0),
    coalesce(sum(offences * coalesce(c.cost, 0)) FILTER (WHERE phase = 'during'), 0),
    coalesce(sum(offences * coalesce(c.cost, 0)) FILTER (WHERE phase = 'after'), 0)
FROM counted
LEFT JOIN reporting_unitcost c
  ON c.table_id = %(cost_table)s AND c.category = counted.category
"""


def iom_impact(
    period: Period, cohort: str = Cohort.IOM, cost_table: CostTable | None = None
) -> IomImpact:
    """Offences before, during and after each membership of `cohort` active at
    any time in [start, end] — ID-IOM style, local definition (DOMAIN.md
    "iom_impact", version 1).

    For adoption date A and end date D: before = proven offences dated in
    [A - 12 months, A); during = [A, D + 1 day), or [A, as-of + 1 day) while
    the membership is current (no end date, or one after as-of); after =
    [D + 1 day, D + 1 day + 12 months), counted only for memberships whose
    after window is complete by as-of (`after_cohort` counts those). A person
    with two memberships counts in each.

    Costs use one unit cost table (the default unless given), so a sum never
    mixes price years; categories the table does not cost count as 0 and are
    listed. Without any table the costs are null."""
    params = {
        **period.params,
        "cohort": str(cohort),
        "cost_table": cost_table.id if cost_table else None,
    }
    row = fetch_one(IOM_IMPACT_SQL, params)
    costed = cost_table is not None
    return IomImpact(
        cohort_name=str(cohort),
        memberships=int(row[0]),
        after_cohort=int(row[1]),
        before_offences=int(row[2]),
        during_offences=int(row[3]),
        after_offences=int(row[4]),
        before_cost=Decimal(row[5]) if costed else None,
        during_cost=Decimal(row[6]) if costed else None,
        after_cost=Decimal(row[7]) if costed else None,
        cost_table=cost_table,
    )
