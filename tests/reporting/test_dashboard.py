"""The partnership dashboard: today's cohorts and the latest KPIs, totals only."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from reporting import services

from .factories import PersonFactory, membership
from .test_proven_reoffending import build_worked_example

pytestmark = pytest.mark.django_db

TODAY = "2025-01-15 12:00:00+00:00"


@pytest.mark.parametrize("username", ["probation-admin", "dpo", "sysadmin"])
def test_roles_without_reports_are_refused(borough, sign_in, username):
    assert sign_in(username).get(reverse("reporting:dashboard")).status_code == 403


@time_machine.travel(TODAY, tick=False)
def test_todays_cohorts_overlap_and_brag(borough, sign_in):
    both = PersonFactory(family_name="Zebedee")
    membership(both, "iom", "2024-01-01")
    membership(both, "ppo", "2024-06-01")
    membership(PersonFactory(), "iom", "2024-01-01", "2025-01-15")  # ends today: in
    membership(PersonFactory(), "iom", "2024-01-01", "2025-01-14")  # ended: out
    membership(PersonFactory(), "mappa", "2025-01-16")  # starts tomorrow: out
    response = sign_in("chair").get(reverse("reporting:dashboard"))
    current = response.context["current"]
    assert current["cohorts"]["iom"] == 2
    assert current["cohorts"]["ppo"] == 1
    assert current["cohorts"]["mappa"] == 0
    assert current["in_more_than_one"] == 1
    assert current["iom_brag"]["not recorded"] == 2
    assert b"Zebedee" not in response.content


@time_machine.travel(TODAY, tick=False)
def test_kpi_tiles_come_from_the_latest_finished_report(borough, sign_in):
    build_worked_example()
    html = sign_in("analyst").get(reverse("reporting:dashboard")).content.decode()
    assert "No report has been run yet" in html
    run = services.report_run_request(
        by=None, start=date(2023, 1, 1), end=date(2023, 3, 31), as_of=date(2025, 1, 1)
    )
    services.report_run_execute(run_id=run.pk)
    html = sign_in("analyst").get(reverse("reporting:dashboard")).content.decode()
    assert "Proven reoffending rate" in html
    assert "40.0%" in html
    assert "2023 Q1: 40.0" in html
    assert 'class="rr-sparkline"' in html


@time_machine.travel(TODAY, tick=False)
def test_dashboard_query_count_does_not_grow(borough, sign_in, django_assert_max_num_queries):
    """Guards against a query per cohort, person or run on the dashboard."""
    for _ in range(20):
        membership(PersonFactory(), "iom", "2024-01-01")
    for _ in range(3):
        run = services.report_run_request(
            by=None, start=date(2023, 1, 1), end=date(2023, 3, 31), as_of=date(2025, 1, 1)
        )
        services.report_run_execute(run_id=run.pk)
    client = sign_in("probation")
    with django_assert_max_num_queries(16):
        assert client.get(reverse("reporting:dashboard")).status_code == 200
