"""KPI run timings for one quarter, each KPI and the whole run, with the
process's peak memory and a hand-written SQL floor for proven_reoffending.
Run in its own process (`python -m bench.kpi`) so peak memory is this run's."""

from __future__ import annotations

import json
import resource
import sys
import time
from datetime import date
from typing import Any

# The floor: the least work proven_reoffending can do (DOMAIN.md, version 1),
# as one statement with no breakdowns.
PROVEN_REOFFENDING_FLOOR = """
WITH index_events AS (
    SELECT DISTINCT ON (d.person_id)
           d.person_id,
           CASE WHEN d.type = 'custody' THEN d.release_date ELSE d.start_date END AS index_date
    FROM offenders_disposal d
    WHERE d.type IN ('custody', 'community_order', 'suspended_sentence_order', 'fine',
                     'discharge', 'caution')
      AND (CASE WHEN d.type = 'custody' THEN d.release_date ELSE d.start_date END)
          BETWEEN %(start)s AND %(end)s
    ORDER BY d.person_id, index_date
), reoffences AS (
    SELECT i.person_id, count(*) AS n
    FROM index_events i
    JOIN offenders_offence o ON o.person_id = i.person_id
    WHERE o.outcome IN ('conviction', 'caution')
      AND o.outcome_date <= %(as_of)s
      AND o.offence_date > i.index_date
      AND o.offence_date <= i.index_date + interval '12 months'
      AND o.outcome_date <= i.index_date + interval '18 months'
    GROUP BY i.person_id
)
SELECT (SELECT count(*) FROM index_events), count(*), COALESCE(sum(n), 0) FROM reoffences
"""


def _timed(fn: Any, *args: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - started, result


def run(start: date, end: date, as_of: date) -> dict[str, Any]:
    from django.db import connection

    from reporting.kpis import kpi_results
    from reporting.kpis.common import Period
    from reporting.kpis.impact import cost_table_for, iom_impact
    from reporting.kpis.reoffending import cohort_offending, ni18, proven_reoffending
    from reporting.kpis.supervision import ni143_ni144

    period = Period(start=start, end=end, as_of=as_of)
    with connection.cursor() as cursor:  # warm the connection and catalog caches
        cursor.execute("SELECT 1")

    def floor() -> tuple[Any, ...]:
        with connection.cursor() as cursor:
            cursor.execute(PROVEN_REOFFENDING_FLOOR, {"start": start, "end": end, "as_of": as_of})
            return tuple(cursor.fetchone())

    timings: dict[str, float] = {}
    timings["sql_floor_proven_reoffending"], floor_result = _timed(floor)
    timings["proven_reoffending"], proven = _timed(proven_reoffending, period)
    timings["cohort_offending"], _ = _timed(cohort_offending, period, "iom")
    timings["ni143_ni144"], _ = _timed(ni143_ni144, period)
    timings["ni18"], _ = _timed(ni18, period)
    timings["iom_impact"], _ = _timed(iom_impact, period, "iom", cost_table_for(None))
    timings["all_kpis"], _ = _timed(lambda: kpi_results(start=start, end=end, as_of=as_of))
    counts = proven.as_dict()
    return {
        "timings": timings,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "floor_matches_engine": list(floor_result)
        == [counts["cohort"], counts["reoffenders"], counts["reoffences"]],
        "cohort": counts["cohort"],
    }


if __name__ == "__main__":
    import django

    django.setup()
    start, end, as_of = (date.fromisoformat(arg) for arg in sys.argv[1:4])
    print(json.dumps(run(start, end, as_of)))
