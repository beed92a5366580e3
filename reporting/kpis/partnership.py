"""Panel activity and resettlement pathway needs over a period: report
sections beside the KPIs, not part of the `kpi` contract. Totals per panel
type and per pathway (their names are reference data, not people)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from offenders.models import Cohort

from .common import MEMBERS_DURING, Period, fetch_all

PANEL_ACTIVITY_SQL = """
WITH meetings AS (
    SELECT
        mt.panel_type_id,
        mt.status,
        mt.status = 'concluded' AND (
            SELECT count(*) FROM panels_attendance a
            WHERE a.meeting_id = mt.id AND a.status = 'present'
        ) >= pt.quorum AS quorate
    FROM panels_panelmeeting mt
    JOIN panels_paneltype pt ON pt.id = mt.panel_type_id
    WHERE mt.date BETWEEN %(start)s AND %(end)s AND mt.date <= %(as_of)s
),
meeting_counts AS (
    SELECT
        panel_type_id,
        count(*) FILTER (WHERE status = 'concluded') AS held,
        count(*) FILTER (WHERE quorate) AS quorate,
        count(*) FILTER (WHERE status = 'cancelled') AS cancelled
    FROM meetings
    GROUP BY panel_type_id
),
action_counts AS (
    SELECT
        mt.panel_type_id,
        count(*) AS due,
        count(*) FILTER (
            WHERE ac.status = 'done'
              AND (ac.closed_at AT TIME ZONE %(tz)s)::date <= ac.due_date
        ) AS on_time,
        count(*) FILTER (
            WHERE ac.status = 'done'
              AND (ac.closed_at AT TIME ZONE %(tz)s)::date > ac.due_date
        ) AS late,
        count(*) FILTER (WHERE ac.status IN ('not_possible', 'not_done')) AS not_done,
        count(*) FILTER (WHERE ac.status = 'open') AS still_open
    FROM panels_panelaction ac
    JOIN panels_panelmeeting mt ON mt.id = ac.meeting_id
    WHERE ac.due_date BETWEEN %(start)s AND %(end)s
    GROUP BY mt.panel_type_id
)
SELECT
    pt.name,
    coalesce(m.held, 0), coalesce(m.quorate, 0), coalesce(m.cancelled, 0),
    coalesce(a.due, 0), coalesce(a.on_time, 0), coalesce(a.late, 0),
    coalesce(a.not_done, 0), coalesce(a.still_open, 0)
FROM panels_paneltype pt
LEFT JOIN meeting_counts m ON m.panel_type_id = pt.id
LEFT JOIN action_counts a ON a.panel_type_id = pt.id
WHERE pt.is_active OR m.panel_type_id IS NOT NULL OR a.panel_type_id IS NOT NULL
ORDER BY pt.name
"""

PATHWAYS_SQL = f"""
WITH {MEMBERS_DURING},
needs AS (
    SELECT
        n.pathway_id,
        count(*) AS identified,
        count(*) FILTER (WHERE n.status = 'met') AS met,
        count(*) FILTER (WHERE n.status IN ('not_started', 'in_progress')) AS still_open,
        count(*) FILTER (WHERE n.status = 'declined') AS declined
    FROM pathways_need n
    JOIN members ON members.person_id = n.person_id
    WHERE n.identified_on BETWEEN %(start)s AND %(end)s AND n.identified_on <= %(as_of)s
    GROUP BY n.pathway_id
),
referrals AS (
    SELECT
        s.pathway_id,
        count(*) FILTER (
            WHERE (r.sent_at AT TIME ZONE %(tz)s)::date BETWEEN %(start)s AND %(end)s
        ) AS sent,
        count(*) FILTER (
            WHERE r.state = 'completed'
              AND (r.closed_at AT TIME ZONE %(tz)s)::date BETWEEN %(start)s AND %(end)s
        ) AS completed,
        count(*) FILTER (
            WHERE r.state = 'rejected'
              AND (r.closed_at AT TIME ZONE %(tz)s)::date BETWEEN %(start)s AND %(end)s
        ) AS rejected
    FROM pathways_referral r
    JOIN pathways_service s ON s.id = r.service_id
    JOIN members ON members.person_id = r.person_id
    GROUP BY s.pathway_id
)
SELECT
    p.name,
    coalesce(n.identified, 0), coalesce(n.met, 0), coalesce(n.still_open, 0),
    coalesce(n.declined, 0), coalesce(r.sent, 0), coalesce(r.completed, 0),
    coalesce(r.rejected, 0)
FROM pathways_pathway p
LEFT JOIN needs n ON n.pathway_id = p.id
LEFT JOIN referrals r ON r.pathway_id = p.id
WHERE p.is_active OR n.pathway_id IS NOT NULL OR r.pathway_id IS NOT NULL
ORDER BY p.position, p.name
"""  # noqa: S608 (constant fragments, no input)

PANEL_FIELDS = ("held", "quorate", "cancelled", "due", "on_time", "late", "not_done", "open")
PATHWAY_FIELDS = ("identified", "met", "open", "declined", "sent", "completed", "rejected")


def panel_activity(period: Period) -> list[dict[str, Any]]:
    """Per panel type: meetings held (concluded), quorate (members present at
    least the panel's quorum) and cancelled in [start, end]; actions due in the
    period by how they ended (done on or before the due date, done late, not
    done or not possible, still open)."""
    params = {**period.params, "tz": settings.TIME_ZONE}
    return [
        {"panel": str(row[0]), **{k: int(v) for k, v in zip(PANEL_FIELDS, row[1:], strict=True)}}
        for row in fetch_all(PANEL_ACTIVITY_SQL, params)
    ]


def pathway_needs(period: Period, cohort: str = Cohort.IOM) -> list[dict[str, Any]]:
    """Per pathway, for people in `cohort` during the period: needs identified
    in the period and where they stand now, and referrals sent, completed and
    rejected in the period."""
    params = {**period.params, "cohort": str(cohort), "tz": settings.TIME_ZONE}
    return [
        {
            "pathway": str(row[0]),
            **{k: int(v) for k, v in zip(PATHWAY_FIELDS, row[1:], strict=True)},
        }
        for row in fetch_all(PATHWAYS_SQL, params)
    ]
