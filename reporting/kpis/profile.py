"""Who is in a cohort at the end of a period: size, gender, age bands,
ethnicity, BRAG and overlap with other schemes. Aggregates only — this is for
the quarterly report, not part of the `kpi` contract."""

from __future__ import annotations

from datetime import date
from typing import Any

from offenders.models import Brag, Cohort, Gender

from .common import MEMBERS_AT_END, Period, fetch_all

AGE_BANDS = ("under 18", "18-24", "25-34", "35-44", "45-54", "55 and over")
NOT_RECORDED = "not recorded"

PROFILE_SQL = f"""
WITH {MEMBERS_AT_END},
people AS (
    SELECT
        p.gender,
        CASE
            WHEN age < 18 THEN 'under 18'
            WHEN age < 25 THEN '18-24'
            WHEN age < 35 THEN '25-34'
            WHEN age < 45 THEN '35-44'
            WHEN age < 55 THEN '45-54'
            ELSE '55 and over'
        END AS age_band,
        coalesce(nullif(trim(p.ethnicity), ''), 'not recorded') AS ethnicity,
        coalesce(nullif(p.brag, ''), 'not recorded') AS brag
    FROM members
    JOIN offenders_person p ON p.id = members.person_id
    CROSS JOIN LATERAL (
        SELECT date_part('year', age(%(end)s::date, p.date_of_birth))::int AS age
    ) AS a
)
SELECT
    GROUPING(gender, age_band, ethnicity, brag) AS grouping_id,
    gender, age_band, ethnicity, brag, count(*)
FROM people
GROUP BY GROUPING SETS ((), (gender), (age_band), (ethnicity), (brag))
"""  # noqa: S608 (constant fragments, no input)

OVERLAP_SQL = f"""
WITH {MEMBERS_AT_END}
SELECT o.cohort, count(DISTINCT o.person_id)
FROM members
JOIN offenders_cohortmembership o ON o.person_id = members.person_id
WHERE o.cohort <> %(cohort)s
  AND o.start_date <= %(end)s
  AND o.start_date <= %(as_of)s
  AND (o.end_date IS NULL OR o.end_date >= %(end)s OR o.end_date > %(as_of)s)
GROUP BY o.cohort
"""  # noqa: S608 (constant fragments, no input)

_GROUPING_IDS = {0b0111: "gender", 0b1011: "age_band", 0b1101: "ethnicity", 0b1110: "brag"}
_COLUMN = {"gender": 1, "age_band": 2, "ethnicity": 3, "brag": 4}


def cohort_profile(period: Period, cohort: str = Cohort.IOM) -> dict[str, Any]:
    """People with a membership of `cohort` active on the last day of the
    period (as known on as-of), each once. Age is age on that day; BRAG is
    each person's current status (BRAG history is not kept per day)."""
    params = {**period.params, "cohort": str(cohort)}
    size = 0
    groups: dict[str, dict[str, int]] = {
        "gender": dict.fromkeys([str(g) for g in Gender], 0),
        "age_band": dict.fromkeys(AGE_BANDS, 0),
        "ethnicity": {},
        "brag": dict.fromkeys([*(str(b) for b in Brag), NOT_RECORDED], 0),
    }
    for row in fetch_all(PROFILE_SQL, params):
        breakdown = _GROUPING_IDS.get(row[0])
        if breakdown is None:
            size = int(row[5])
        else:
            groups[breakdown][str(row[_COLUMN[breakdown]])] = int(row[5])
    groups["ethnicity"] = dict(sorted(groups["ethnicity"].items()))
    overlap = dict.fromkeys([str(c) for c in Cohort if c != cohort], 0)
    for other, count in fetch_all(OVERLAP_SQL, params):
        overlap[str(other)] = int(count)
    return {"cohort": str(cohort), "size": size, **groups, "also_in": overlap}


CURRENT_COHORTS_SQL = """
WITH active AS (
    SELECT DISTINCT m.person_id, m.cohort
    FROM offenders_cohortmembership m
    WHERE m.start_date <= %(today)s AND (m.end_date IS NULL OR m.end_date >= %(today)s)
),
per_person AS (
    SELECT person_id, count(*) AS schemes FROM active GROUP BY person_id
)
SELECT 'cohort', cohort, count(*) FROM active GROUP BY cohort
UNION ALL
SELECT 'overlap', '', count(*) FROM per_person WHERE schemes > 1
UNION ALL
SELECT 'brag', coalesce(nullif(p.brag, ''), 'not recorded'), count(*)
FROM (SELECT DISTINCT person_id FROM active WHERE cohort = 'iom') AS iom
JOIN offenders_person p ON p.id = iom.person_id
GROUP BY 2
"""


def current_cohorts(today: date) -> dict[str, Any]:
    """People in each scheme today, how many are in more than one, and the
    IOM cohort's BRAG statuses. One statement."""
    cohorts = dict.fromkeys([str(c) for c in Cohort], 0)
    brag = dict.fromkeys([*(str(b) for b in Brag), NOT_RECORDED], 0)
    overlap = 0
    for section, key, count in fetch_all(CURRENT_COHORTS_SQL, {"today": today}):
        if section == "cohort":
            cohorts[str(key)] = int(count)
        elif section == "overlap":
            overlap = int(count)
        else:
            brag[str(key)] = int(count)
    return {"cohorts": cohorts, "in_more_than_one": overlap, "iom_brag": brag}
