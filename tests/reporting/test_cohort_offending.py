"""cohort_offending (DOMAIN.md "KPI definitions (version 1)")."""

from __future__ import annotations

import pytest

from .factories import PersonFactory, membership, offence

pytestmark = pytest.mark.django_db

R = "2023-04-01"
PERIOD = (R, "2023-06-30")


def result(kpis, as_of="2025-01-01", **options):
    return kpis(*PERIOD, as_of, **options)["cohort_offending"]


def test_cohort_is_memberships_active_on_the_reference_date(kpis):
    membership(PersonFactory(), "iom", R)  # starts on R: in
    membership(PersonFactory(), "iom", "2022-01-01", R)  # ends on R: in
    membership(PersonFactory(), "iom", "2022-01-01", "2023-03-31")  # ended the day before: out
    membership(PersonFactory(), "iom", "2023-04-02")  # starts the day after: out
    membership(PersonFactory(), "ppo", "2022-01-01")  # another cohort: out
    twice = PersonFactory()
    membership(twice, "iom", "2022-01-01")
    membership(twice, "iom", "2023-01-01")  # two active memberships: counted once
    assert result(kpis)["cohort"] == 3


def test_baseline_and_followup_windows(kpis):
    person = PersonFactory()
    membership(person, "iom", "2022-01-01")
    offence(person, "2022-03-31")  # before R - 12 months: neither
    offence(person, "2022-04-01")  # R - 12 months: baseline
    offence(person, "2023-03-31")  # the day before R: baseline
    offence(person, R)  # R: follow-up
    offence(person, "2024-03-31")  # R + 12 months - 1 day: follow-up
    offence(person, "2024-04-01")  # R + 12 months: neither
    got = result(kpis)
    assert (got["baseline_offences"], got["followup_offences"]) == (2, 2)
    assert got["change_percent"] == 0.0


def test_month_end_clamping_of_the_windows(kpis):
    person = PersonFactory()
    membership(person, "iom", "2024-01-01")
    offence(person, "2023-02-27")  # before 2024-02-29 - 12 months = 2023-02-28
    offence(person, "2023-02-28")  # baseline
    offence(person, "2025-02-27")  # follow-up
    offence(person, "2025-02-28")  # R + 12 months = 2025-02-28: excluded
    got = kpis("2024-02-29", "2024-03-31", "2026-12-31")["cohort_offending"]
    assert (got["baseline_offences"], got["followup_offences"]) == (1, 1)


def test_change_percent_reduction_and_followup_offenders(kpis):
    people = [PersonFactory() for _ in range(3)]
    for person in people:
        membership(person, "iom", "2022-06-01")
    for day in ("2022-05-01", "2022-06-01", "2022-07-01", "2022-08-01"):
        offence(people[0], day)
    offence(people[1], "2023-05-01")
    offence(people[1], "2023-06-01")
    offence(people[2], "2023-07-01")
    got = result(kpis)
    assert got == {
        "cohort": 3,
        "baseline_offences": 4,
        "followup_offences": 3,
        "change_percent": -25.0,
        "followup_offenders": 2,
        "final": True,
    }


def test_change_percent_is_null_when_baseline_is_zero(kpis):
    person = PersonFactory()
    membership(person, "iom", "2022-06-01")
    offence(person, "2023-05-01")
    got = result(kpis)
    assert (got["baseline_offences"], got["followup_offences"]) == (0, 1)
    assert got["change_percent"] is None


def test_only_proven_offences_known_by_as_of_count(kpis):
    person = PersonFactory()
    membership(person, "iom", "2022-06-01")
    offence(person, "2022-05-01", "nfa", "2022-05-02")
    offence(person, "2022-05-01", "pending")
    offence(person, "2023-05-01", "conviction", "2024-01-10")
    assert result(kpis, as_of="2024-01-09")["followup_offences"] == 0
    assert result(kpis, as_of="2024-01-10")["followup_offences"] == 1
    assert result(kpis)["baseline_offences"] == 0


def test_final_from_reference_date_plus_18_months(kpis):
    # R + 18 months = 2024-10-01
    assert result(kpis, as_of="2024-10-01")["final"] is True
    assert result(kpis, as_of="2024-09-30")["final"] is False


def test_cohort_option_chooses_the_scheme(kpis):
    person = PersonFactory()
    membership(person, "ppo", "2022-06-01")
    offence(person, "2022-07-01")
    assert result(kpis)["cohort"] == 0
    got = result(kpis, cohort="ppo")
    assert (got["cohort"], got["baseline_offences"]) == (1, 1)
