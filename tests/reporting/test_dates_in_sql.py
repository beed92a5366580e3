"""The engine does month arithmetic in PostgreSQL. DOMAIN.md "Date arithmetic":
d + N months keeps the day, clamped to the end of a shorter month. PostgreSQL's
`date + interval 'N months'` must agree with rrcase.dates.add_months."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection

from rrcase.dates import add_months

pytestmark = pytest.mark.django_db


def sql_add_months(day: date, months: int) -> date:
    with connection.cursor() as cursor:
        cursor.execute("SELECT (%s::date + make_interval(months => %s))::date", [day, months])
        return cursor.fetchone()[0]


def test_domain_example_2023_08_31_plus_6_months():
    assert sql_add_months(date(2023, 8, 31), 6) == date(2024, 2, 29)
    assert add_months(date(2023, 8, 31), 6) == date(2024, 2, 29)


@pytest.mark.parametrize("months", [-12, 6, 12, 18])
def test_sql_and_python_agree_for_every_day_of_two_years(months):
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT day::date, (day + make_interval(months => %s))::date
            FROM generate_series('2023-01-01'::date, '2024-12-31'::date, interval '1 day') AS day
            """,
            [months],
        )
        rows = cursor.fetchall()
    assert len(rows) == 731
    assert all(add_months(day, months) == later for day, later in rows)
