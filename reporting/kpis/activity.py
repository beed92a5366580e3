"""Compliance, enforcement and disproportionality for a cohort over a period:
report sections beside the KPIs, not part of the `kpi` contract. Aggregates
only; each a single statement."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from offenders.models import Cohort, EnforcementKind

from .common import MEMBERS_DURING, Period, fetch_all, fetch_one

# Each statement starts from `members`: people with a membership of the cohort
# active at any time in the period.

COMPLIANCE_SQL = f"""
WITH {MEMBERS_DURING}
SELECT
    (SELECT count(*) FROM members),
    count(*) FILTER (WHERE c.outcome = 'attended'),
    count(*) FILTER (WHERE c.outcome = 'missed_acceptable'),
    count(*) FILTER (WHERE c.outcome = 'missed_unacceptable'),
    count(DISTINCT c.person_id) FILTER (WHERE c.outcome = 'missed_unacceptable')
FROM members
JOIN offenders_contact c ON c.person_id = members.person_id
WHERE c.occurred_on BETWEEN %(start)s AND %(end)s
  AND c.occurred_on <= %(as_of)s
  AND c.kind IN ('appointment', 'home_visit', 'joint_home_visit', 'drug_test')
"""  # noqa: S608 (constant fragments, no input)

ENFORCEMENT_SQL = f"""
WITH {MEMBERS_DURING}
SELECT e.kind, count(*), count(DISTINCT e.person_id)
FROM members
JOIN offenders_enforcement e ON e.person_id = members.person_id
WHERE (e.occurred_at AT TIME ZONE %(tz)s)::date BETWEEN %(start)s AND %(end)s
  AND (e.occurred_at AT TIME ZONE %(tz)s)::date <= %(as_of)s
GROUP BY e.kind
"""  # noqa: S608 (constant fragments, no input)

DISPROPORTIONALITY_SQL = f"""
WITH {MEMBERS_DURING},
everyone AS (
    SELECT p.id, coalesce(nullif(trim(p.ethnicity), ''), 'not recorded') AS ethnicity
    FROM offenders_person p
),
selected AS (
    SELECT DISTINCT m.person_id
    FROM offenders_cohortmembership m
    WHERE m.cohort = %(cohort)s
      AND m.start_date BETWEEN %(start)s AND %(end)s
      AND m.start_date <= %(as_of)s
),
enforced AS (
    SELECT DISTINCT e.person_id
    FROM members
    JOIN offenders_enforcement e ON e.person_id = members.person_id
    WHERE e.kind IN ('breach', 'recall', 'recall_requested', 'arrest')
      AND (e.occurred_at AT TIME ZONE %(tz)s)::date BETWEEN %(start)s AND %(end)s
      AND (e.occurred_at AT TIME ZONE %(tz)s)::date <= %(as_of)s
)
SELECT
    everyone.ethnicity,
    count(*),
    count(selected.person_id),
    count(members.person_id),
    count(enforced.person_id)
FROM everyone
LEFT JOIN selected ON selected.person_id = everyone.id
LEFT JOIN members ON members.person_id = everyone.id
LEFT JOIN enforced ON enforced.person_id = everyone.id
GROUP BY everyone.ethnicity
ORDER BY everyone.ethnicity
"""  # noqa: S608 (constant fragments, no input)


def compliance_and_enforcement(period: Period, cohort: str = Cohort.IOM) -> dict[str, Any]:
    """Appointments kept and missed, and enforcement actions, in [start, end]
    for people in `cohort` at any time in the period."""
    params = {**period.params, "cohort": str(cohort), "tz": settings.TIME_ZONE}
    row = fetch_one(COMPLIANCE_SQL, params)
    enforcement = {str(k): {"actions": 0, "people": 0} for k in EnforcementKind}
    for kind, actions, people in fetch_all(ENFORCEMENT_SQL, params):
        enforcement[str(kind)] = {"actions": int(actions), "people": int(people)}
    return {
        "people": int(row[0]),
        "attended": int(row[1]),
        "missed_acceptable": int(row[2]),
        "missed_unacceptable": int(row[3]),
        "people_missing_unacceptably": int(row[4]),
        "enforcement": enforcement,
    }


def disproportionality(period: Period, cohort: str = Cohort.IOM) -> list[dict[str, Any]]:
    """By ethnicity: everyone recorded, people selected into `cohort` in the
    period, people in it during the period, and those of them with a breach,
    recall or arrest in the period — so selection can be set against the
    recorded population and enforcement against the cohort's make-up."""
    params = {**period.params, "cohort": str(cohort), "tz": settings.TIME_ZONE}
    return [
        {
            "ethnicity": str(ethnicity),
            "recorded": int(recorded),
            "selected": int(selected),
            "in_cohort": int(in_cohort),
            "enforced": int(enforced),
        }
        for ethnicity, recorded, selected, in_cohort, enforced in fetch_all(
            DISPROPORTIONALITY_SQL, params
        )
    ]
