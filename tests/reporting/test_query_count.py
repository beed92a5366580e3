"""The engine is set-based: its query count does not grow with the data."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reporting.kpis import kpi_results

from .factories import PersonFactory, assessment, disposal, membership, offence

pytestmark = pytest.mark.django_db


def add_people(count: int) -> None:
    for _ in range(count):
        person = PersonFactory()
        disposal(person, "community_order", "2022-11-01", supervised_by_probation=True)
        disposal(person, "fine", "2023-02-01")
        disposal(
            person,
            "licence",
            "2022-01-01",
            supervised_by_probation=True,
            terminated_date="2023-02-15",
            accommodation_at_end="settled",
        )
        membership(person, "iom", "2022-06-01")
        assessment(person, "2022-12-01", ogrs3_1y=40)
        offence(person, "2022-08-01", category="robbery")
        offence(person, "2023-03-01")


def queries_for_a_run() -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        kpi_results(
            start=date(2023, 1, 1), end=date(2023, 3, 31), as_of=date(2025, 1, 1), cohort="iom"
        )
    return [q["sql"] for q in captured.captured_queries]


def test_query_count_does_not_grow_with_people_or_offences():
    """Guards against a per-person or per-offence query creeping into any KPI."""
    add_people(2)
    few = queries_for_a_run()
    add_people(20)
    many = queries_for_a_run()
    assert len(few) == len(many)
    # The cost table (2) and one statement per KPI (ni143 and ni144 share one);
    # the rest are each statement's savepoint and `SET LOCAL jit = off`.
    statements = [q for q in many if not q.startswith(("SAVEPOINT", "RELEASE", "SET"))]
    assert len(statements) == 7
