"""Proven reoffending (DOMAIN.md "KPI definitions (version 1)" →
"proven_reoffending"), the cohort offending change ("cohort_offending") and
adult reoffending under supervision against prediction ("ni18").

Each is one SQL statement over the whole population: no query or Python loop
per person or offence, so the cost is the database's, at any cohort size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from offenders.models import Cohort, DisposalType, Gender
from rrcase.dates import add_months

from .common import (
    DEFINITION_VERSION,
    Period,
    fetch_all,
    fetch_one,
    members_on,
    percent,
    ratio,
    rounded,
)

# Index events and where their date comes from. Licence and PSS are never
# index events. When one person has two on their earliest day, the more
# serious sentence is the index disposal (custody first), then the first recorded.
INDEX_TYPES_BY_SERIOUSNESS = (
    DisposalType.CUSTODY,
    DisposalType.SUSPENDED_SENTENCE_ORDER,
    DisposalType.COMMUNITY_ORDER,
    DisposalType.FINE,
    DisposalType.DISCHARGE,
    DisposalType.CAUTION,
)
COMMUNITY_INDEX_TYPES = [str(t) for t in INDEX_TYPES_BY_SERIOUSNESS if t != DisposalType.CUSTODY]

AGE_GROUPS = ("adult", "juvenile")
MEMBERSHIP_GROUPS = ("iom", "ppo", "none")

BREAKDOWNS = ("age_group", "gender", "index_disposal_type", "cohort_membership")


@dataclass(frozen=True)
class ReoffendingCounts:
    cohort: int
    reoffenders: int
    reoffences: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "cohort": self.cohort,
            "reoffenders": self.reoffenders,
            "binary_rate": percent(self.reoffenders, self.cohort),
            "reoffences": self.reoffences,
            "frequency_per_offender": rounded(ratio(self.reoffences, self.cohort), 2),
            "frequency_per_reoffender": rounded(ratio(self.reoffences, self.reoffenders), 2),
        }


@dataclass(frozen=True)
class ProvenReoffending:
    total: ReoffendingCounts
    final: bool
    # breakdown name -> group -> counts, every group present (zeros included)
    breakdowns: dict[str, dict[str, ReoffendingCounts]] = field(default_factory=dict)
    definition_version: int = DEFINITION_VERSION

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.total.as_dict(),
            "final": self.final,
            "breakdowns": {
                name: {group: counts.as_dict() for group, counts in groups.items()}
                for name, groups in self.breakdowns.items()
            },
        }


PROVEN_REOFFENDING_SQL = """
WITH events AS (
    SELECT d.id, d.person_id, d.type, d.release_date AS index_date
    FROM offenders_disposal d
    WHERE d.type = 'custody'
      AND d.release_date BETWEEN %(start)s AND %(end)s
      AND d.release_date <= %(as_of)s
    UNION ALL
    SELECT d.id, d.person_id, d.type, d.start_date AS index_date
    FROM offenders_disposal d
    WHERE d.type = ANY(%(community_types)s)
      AND d.start_date BETWEEN %(start)s AND %(end)s
      AND d.start_date <= %(as_of)s
),
index_events AS (
    SELECT DISTINCT ON (e.person_id) e.person_id, e.type, e.index_date
    FROM events e
    ORDER BY e.person_id, e.index_date, array_position(%(seriousness)s, e.type::text), e.id
),
cohort AS (
    SELECT
        i.person_id,
        i.type AS index_disposal_type,
        CASE WHEN p.date_of_birth <= (i.index_date - interval '18 years')::date
             THEN 'adult' ELSE 'juvenile' END AS age_group,
        p.gender,
        CASE
            WHEN EXISTS (
                SELECT 1 FROM offenders_cohortmembership m
                WHERE m.person_id = i.person_id AND m.cohort = 'iom'
                  AND m.start_date <= i.index_date
                  AND (m.end_date IS NULL OR m.end_date >= i.index_date)
            ) THEN 'iom'
            WHEN EXISTS (
                SELECT 1 FROM offenders_cohortmembership m
                WHERE m.person_id = i.person_id AND m.cohort = 'ppo'
                  AND m.start_date <= i.index_date
                  AND (m.end_date IS NULL OR m.end_date >= i.index_date)
            ) THEN 'ppo'
            ELSE 'none'
        END AS cohort_membership,
        (
            SELECT count(*) FROM offenders_offence o
            WHERE o.person_id = i.person_id
              AND o.outcome = ANY(%(proven)s) AND o.outcome_date <= %(as_of)s  -- proven by as-of
              AND o.offence_date > i.index_date
              AND o.offence_date <= (i.index_date + interval '12 months')::date
              AND o.outcome_date <= (i.index_date + interval '18 months')::date
        ) AS reoffences
    FROM index_events i
    JOIN offenders_person p ON p.id = i.person_id
)
SELECT
    GROUPING(age_group, gender, index_disposal_type, cohort_membership) AS grouping_id,
    age_group, gender, index_disposal_type, cohort_membership,
    count(*) AS cohort,
    count(*) FILTER (WHERE reoffences > 0) AS reoffenders,
    coalesce(sum(reoffences), 0) AS reoffences
FROM cohort
GROUP BY GROUPING SETS ((), (age_group), (gender), (index_disposal_type), (cohort_membership))
"""

# GROUPING(a, b, c, d) sets bit 3 for a … bit 0 for d when that column is
# rolled up: the breakdown a row belongs to is the one column left in.
_GROUPING_IDS = {
    0b1111: None,
    0b0111: "age_group",
    0b1011: "gender",
    0b1101: "index_disposal_type",
    0b1110: "cohort_membership",
}
_GROUP_COLUMN = {
    "age_group": 1,
    "gender": 2,
    "index_disposal_type": 3,
    "cohort_membership": 4,
}


def proven_reoffending(period: Period) -> ProvenReoffending:
    """MoJ proven reoffending measure, local replica (DOMAIN.md, version 1).

    Cohort: each person once, at their earliest index event (custody →
    release_date; community order, SSO, fine, discharge, caution → start_date)
    dated in [start, end]. Reoffence: a proven offence with
    index_date < offence_date ≤ index_date + 12 months and outcome_date ≤
    index_date + 18 months (and ≤ as-of). Final when as-of ≥ end + 18 months.

    Breakdowns: age at the index date (adult = 18 or over), gender, index
    disposal type, and cohort membership at the index date — "iom" when an IOM
    membership is active that day, else "ppo" when a PPO one is, else "none"
    (so the groups add up to the cohort)."""
    params = {
        **period.params,
        "community_types": COMMUNITY_INDEX_TYPES,
        "seriousness": [str(t) for t in INDEX_TYPES_BY_SERIOUSNESS],
    }
    groups: dict[str, dict[str, ReoffendingCounts]] = {
        "age_group": dict.fromkeys(AGE_GROUPS, ReoffendingCounts(0, 0, 0)),
        "gender": dict.fromkeys([str(g) for g in Gender], ReoffendingCounts(0, 0, 0)),
        "index_disposal_type": dict.fromkeys(
            [str(t) for t in INDEX_TYPES_BY_SERIOUSNESS], ReoffendingCounts(0, 0, 0)
        ),
        "cohort_membership": dict.fromkeys(MEMBERSHIP_GROUPS, ReoffendingCounts(0, 0, 0)),
    }
    total = ReoffendingCounts(0, 0, 0)
    for row in fetch_all(PROVEN_REOFFENDING_SQL, params):
        grouping_id, cohort, reoffenders, reoffences = row[0], row[5], row[6], row[7]
        counts = ReoffendingCounts(int(cohort), int(reoffenders), int(reoffences))
        breakdown = _GROUPING_IDS[grouping_id]
        if breakdown is None:
            total = counts
        else:
            groups[breakdown][str(row[_GROUP_COLUMN[breakdown]])] = counts
    final = period.as_of >= add_months(period.end, 18)
    return ProvenReoffending(total=total, final=final, breakdowns=groups)


@dataclass(frozen=True)
class CohortOffending:
    cohort_name: str
    reference_date: date
    cohort: int
    baseline_offences: int
    followup_offences: int
    followup_offenders: int
    final: bool
    definition_version: int = DEFINITION_VERSION

    def as_dict(self) -> dict[str, Any]:
        change = ratio(self.followup_offences - self.baseline_offences, self.baseline_offences)
        return {
            "cohort": self.cohort,
            "baseline_offences": self.baseline_offences,
            "followup_offences": self.followup_offences,
            "change_percent": rounded(change * 100 if change is not None else None, 1),
            "followup_offenders": self.followup_offenders,
            "final": self.final,
        }


COHORT_OFFENDING_SQL = f"""
WITH {members_on("%(start)s")},
offences AS (
    SELECT o.person_id, o.offence_date
    FROM offenders_offence o
    JOIN members USING (person_id)
    WHERE o.outcome = ANY(%(proven)s) AND o.outcome_date <= %(as_of)s  -- proven by as-of
      AND o.offence_date >= (%(start)s::date - interval '12 months')::date
      AND o.offence_date < (%(start)s::date + interval '12 months')::date
)
SELECT
    (SELECT count(*) FROM members),
    count(*) FILTER (WHERE offence_date < %(start)s),
    count(*) FILTER (WHERE offence_date >= %(start)s),
    count(DISTINCT person_id) FILTER (WHERE offence_date >= %(start)s)
FROM offences
"""  # noqa: S608 (constant fragments, no input)


def cohort_offending(period: Period, cohort: str = Cohort.IOM) -> CohortOffending:
    """PPO/IOM cohort offending change, NI 30 style — local definition
    (DOMAIN.md "cohort_offending", version 1).

    R = start. Cohort: people with a membership of `cohort` active on R
    (start_date ≤ R and end_date empty or ≥ R), each once. Baseline: their
    proven offences dated in [R - 12 months, R); follow-up: [R, R + 12 months).
    change_percent = (follow-up - baseline) / baseline * 100, null when the
    baseline is 0. Final when as-of ≥ R + 18 months."""
    row = fetch_one(COHORT_OFFENDING_SQL, {**period.params, "cohort": str(cohort)})
    return CohortOffending(
        cohort_name=str(cohort),
        reference_date=period.start,
        cohort=int(row[0]),
        baseline_offences=int(row[1]),
        followup_offences=int(row[2]),
        followup_offenders=int(row[3]),
        final=period.as_of >= add_months(period.start, 18),
    )


@dataclass(frozen=True)
class Ni18:
    cohort: int
    reoffenders: int
    predicted_sum: Decimal
    excluded_no_prediction: int
    final: bool
    definition_version: int = DEFINITION_VERSION

    def as_dict(self) -> dict[str, Any]:
        actual = ratio(self.reoffenders, self.cohort, scale=100)
        predicted = ratio(self.predicted_sum, self.cohort, scale=100)
        difference = None
        if actual is not None and predicted:
            difference = (actual - predicted) / predicted * 100
        return {
            "cohort": self.cohort,
            "reoffenders": self.reoffenders,
            "actual_rate": rounded(actual, 1),
            "predicted_rate": rounded(predicted, 1),
            "difference_percent": rounded(difference, 1),
            "excluded_no_prediction": self.excluded_no_prediction,
            "final": self.final,
        }


NI18_SQL = """
WITH caseload AS (
    SELECT DISTINCT d.person_id
    FROM offenders_disposal d
    JOIN offenders_person p ON p.id = d.person_id
    WHERE d.supervised_by_probation
      AND d.type = ANY(%(supervised)s)
      AND d.start_date <= %(snapshot)s
      AND d.start_date <= %(as_of)s
      AND (d.terminated_date IS NULL OR d.terminated_date > %(snapshot)s
           OR d.terminated_date > %(as_of)s)
      AND p.date_of_birth <= (%(snapshot)s::date - interval '18 years')::date
),
predicted AS MATERIALIZED (
    SELECT
        c.person_id,
        coalesce(
            (SELECT a.predicted_3m FROM offenders_riskassessment a
             WHERE a.person_id = c.person_id AND a.predicted_3m IS NOT NULL
               AND a.assessed_on <= %(snapshot)s AND a.assessed_on <= %(as_of)s
             ORDER BY a.assessed_on DESC LIMIT 1),
            (SELECT 1 - power(1 - a.ogrs3_1y / 100.0, 0.25) FROM offenders_riskassessment a
             WHERE a.person_id = c.person_id AND a.ogrs3_1y IS NOT NULL
               AND a.assessed_on <= %(snapshot)s AND a.assessed_on <= %(as_of)s
             ORDER BY a.assessed_on DESC LIMIT 1)
        ) AS p,
        EXISTS (
            SELECT 1 FROM offenders_offence o
            WHERE o.person_id = c.person_id
              AND o.outcome = ANY(%(proven)s) AND o.outcome_date <= %(as_of)s  -- proven by as-of
              AND o.offence_date BETWEEN %(start)s AND %(end)s
              AND o.outcome_date <= (%(end)s::date + interval '6 months')::date
        ) AS reoffended
    FROM caseload c
)
SELECT
    count(*) FILTER (WHERE p IS NOT NULL),
    count(*) FILTER (WHERE p IS NOT NULL AND reoffended),
    coalesce(sum(p), 0),
    count(*) FILTER (WHERE p IS NULL)
FROM predicted
"""


def ni18(period: Period) -> Ni18:
    """Adult reoffending under probation supervision, actual against predicted —
    local definition of NI 18 (DOMAIN.md "ni18", version 1).

    Snapshot S = start - 1 day. Caseload: people aged 18 or over on S with a
    supervised disposal (supervised_by_probation; licence, PSS, community
    order or SSO) that started on or before S and was not terminated by S.
    p = predicted_3m from the latest assessment on or before S that has one,
    else 1 - (1 - ogrs3_1y/100)^(1/4) from the latest that has ogrs3_1y;
    people with neither are left out and counted in excluded_no_prediction.
    Reoffended: a proven offence dated in [start, end] with outcome_date ≤
    end + 6 months. Rates are percentages to 1 dp; difference_percent is
    worked from the unrounded rates and is null when the predicted rate is 0.
    Final when as-of ≥ end + 6 months."""
    snapshot = date.fromordinal(period.start.toordinal() - 1)
    row = fetch_one(NI18_SQL, {**period.params, "snapshot": snapshot})
    return Ni18(
        cohort=int(row[0]),
        reoffenders=int(row[1]),
        predicted_sum=Decimal(row[2]),
        excluded_no_prediction=int(row[3]),
        final=period.as_of >= add_months(period.end, 6),
    )
