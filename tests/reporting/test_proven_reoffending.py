"""proven_reoffending (DOMAIN.md "KPI definitions (version 1)"): the worked
example, then one test per rule of the definition."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from offenders.models import Gender

from .factories import PersonFactory, d, disposal, membership, offence

pytestmark = pytest.mark.django_db

Q1 = ("2023-01-01", "2023-03-31")


def build_worked_example() -> None:
    """DOMAIN.md's worked example: cohort January to March 2023, as-of 2025-01-01."""
    a = PersonFactory(family_name="A")
    disposal(a, "custody", "2022-07-01", release_date="2023-01-10")
    offence(a, "2023-03-01", "conviction", "2023-05-01")
    offence(a, "2023-12-20", "conviction", "2024-06-30")
    b = PersonFactory(family_name="B")
    disposal(b, "community_order", "2023-02-15")
    offence(b, "2024-02-20", "conviction", "2024-03-20")
    c = PersonFactory(family_name="C")
    disposal(c, "caution", "2023-03-31")
    offence(c, "2023-06-01", "conviction", "2024-11-15")
    offence(c, "2023-07-01", "caution", "2023-08-01")
    d_ = PersonFactory(family_name="D")
    disposal(d_, "community_order", "2023-01-05")
    offence(d_, "2023-01-04", "conviction", "2023-01-05")
    e = PersonFactory(family_name="E")
    disposal(e, "caution", "2023-02-01")
    offence(e, "2023-05-01", "nfa", "2023-05-20")


WORKED_EXAMPLE = {
    "cohort": 5,
    "reoffenders": 2,
    "binary_rate": 40.0,
    "reoffences": 3,
    "frequency_per_offender": 0.60,
    "frequency_per_reoffender": 1.50,
    "final": True,
}


def headline(result: dict) -> dict:
    return {k: v for k, v in result["proven_reoffending"].items() if k != "breakdowns"}


def test_worked_example_through_the_engine(kpis):
    build_worked_example()
    assert headline(kpis(*Q1, "2025-01-01")) == WORKED_EXAMPLE


def test_worked_example_through_the_kpi_command_json():
    build_worked_example()
    out = StringIO()
    call_command("kpi", "--start", Q1[0], "--end", Q1[1], "--as-of", "2025-01-01", stdout=out)
    result = json.loads(out.getvalue())
    assert result["period"] == {"start": "2023-01-01", "end": "2023-03-31"}
    assert result["as_of"] == "2025-01-01"
    assert result["definition_version"] == 1
    assert headline(result) == WORKED_EXAMPLE
    # JSON numbers, not strings
    assert isinstance(result["proven_reoffending"]["binary_rate"], float)
    assert isinstance(result["proven_reoffending"]["cohort"], int)


def test_worked_example_is_not_final_before_end_plus_18_months(kpis):
    build_worked_example()
    # end + 18 months = 2024-09-30
    assert kpis(*Q1, "2024-09-30")["proven_reoffending"]["final"] is True
    result = kpis(*Q1, "2024-09-29")["proven_reoffending"]
    assert result["final"] is False
    # A's second conviction (2024-06-30) is known by then; nothing else changes.
    assert result["reoffences"] == 3


def test_an_outcome_after_as_of_does_not_exist_yet(kpis):
    build_worked_example()
    # On 2024-06-29 A's second conviction (2024-06-30) has not happened.
    result = kpis(*Q1, "2024-06-29")["proven_reoffending"]
    assert (result["reoffenders"], result["reoffences"]) == (2, 2)
    assert result["frequency_per_reoffender"] == 1.0


def test_licence_and_pss_are_never_index_events(kpis):
    only_supervision = PersonFactory()
    disposal(only_supervision, "licence", "2023-01-10")
    disposal(only_supervision, "pss", "2023-02-10")
    offence(only_supervision, "2023-03-01")
    assert kpis(*Q1, "2025-01-01")["proven_reoffending"]["cohort"] == 0


def test_each_index_type_enters_the_cohort(kpis):
    for kind in ("community_order", "suspended_sentence_order", "fine", "discharge", "caution"):
        disposal(PersonFactory(), kind, "2023-02-01")
    disposal(PersonFactory(), "custody", "2022-01-01", release_date="2023-02-01")
    result = kpis(*Q1, "2025-01-01")["proven_reoffending"]
    assert result["cohort"] == 6
    by_type = result["breakdowns"]["index_disposal_type"]
    assert {k: v["cohort"] for k, v in by_type.items()} == {
        "custody": 1,
        "suspended_sentence_order": 1,
        "community_order": 1,
        "fine": 1,
        "discharge": 1,
        "caution": 1,
    }


def test_custody_counts_from_release_not_sentence(kpis):
    sentenced_in_period = PersonFactory()
    disposal(sentenced_in_period, "custody", "2023-01-15", release_date="2023-06-01")
    not_yet_released = PersonFactory()
    disposal(not_yet_released, "custody", "2023-01-15")
    released_in_period = PersonFactory()
    disposal(released_in_period, "custody", "2021-01-15", release_date="2023-03-31")
    result = kpis(*Q1, "2025-01-01")["proven_reoffending"]
    assert result["cohort"] == 1


def test_period_is_inclusive_at_both_ends(kpis):
    disposal(PersonFactory(), "fine", "2022-12-31")
    disposal(PersonFactory(), "fine", "2023-01-01")
    disposal(PersonFactory(), "fine", "2023-03-31")
    disposal(PersonFactory(), "fine", "2023-04-01")
    assert kpis(*Q1, "2025-01-01")["proven_reoffending"]["cohort"] == 2


def test_a_person_enters_once_at_their_earliest_index_event(kpis):
    person = PersonFactory()
    disposal(person, "caution", "2023-03-01")
    disposal(person, "fine", "2023-01-20")
    # After the earliest index event, within 12 months of it: counts. Before the
    # later one, so it would not count from that.
    offence(person, "2023-02-01")
    result = kpis(*Q1, "2025-01-01")["proven_reoffending"]
    assert (result["cohort"], result["reoffences"]) == (1, 1)
    assert result["breakdowns"]["index_disposal_type"]["fine"]["cohort"] == 1
    assert result["breakdowns"]["index_disposal_type"]["caution"]["cohort"] == 0


def test_an_earlier_index_event_outside_the_period_does_not_matter(kpis):
    person = PersonFactory()
    disposal(person, "fine", "2022-06-01")
    disposal(person, "caution", "2023-02-01")
    assert kpis(*Q1, "2025-01-01")["proven_reoffending"]["cohort"] == 1


def test_two_index_events_on_one_day_take_the_more_serious(kpis):
    person = PersonFactory()
    disposal(person, "fine", "2023-02-01")
    disposal(person, "custody", "2022-02-01", release_date="2023-02-01")
    by_type = kpis(*Q1, "2025-01-01")["proven_reoffending"]["breakdowns"]["index_disposal_type"]
    assert by_type["custody"]["cohort"] == 1
    assert by_type["fine"]["cohort"] == 0


def test_offence_on_the_index_day_is_not_a_reoffence(kpis):
    person = PersonFactory()
    disposal(person, "community_order", "2023-02-01")
    offence(person, "2023-02-01")
    assert kpis(*Q1, "2025-01-01")["proven_reoffending"]["reoffences"] == 0


def test_follow_up_ends_on_index_plus_12_months_inclusive(kpis):
    person = PersonFactory()
    disposal(person, "community_order", "2023-02-01")
    offence(person, "2024-02-01", outcome_date="2024-03-01")  # index + 12 months: counts
    offence(person, "2024-02-02", outcome_date="2024-03-01")  # a day later: does not
    assert kpis(*Q1, "2025-01-01")["proven_reoffending"]["reoffences"] == 1


def test_waiting_period_ends_on_index_plus_18_months_inclusive(kpis):
    person = PersonFactory()
    disposal(person, "community_order", "2023-02-01")
    offence(person, "2023-06-01", outcome_date="2024-08-01")  # index + 18 months: counts
    offence(person, "2023-06-02", outcome_date="2024-08-02")  # a day late: does not
    assert kpis(*Q1, "2025-01-01")["proven_reoffending"]["reoffences"] == 1


def test_month_end_clamping_of_the_follow_up_and_waiting_periods(kpis):
    # Index 2023-08-31: + 18 months = 2025-02-28 (clamped). Index 2024-02-29:
    # + 12 months = 2025-02-28.
    august = PersonFactory()
    disposal(august, "caution", "2023-08-31")
    offence(august, "2023-09-01", outcome_date="2025-02-28")  # counts
    offence(august, "2023-09-02", outcome_date="2025-03-01")  # does not
    leap = PersonFactory()
    disposal(leap, "caution", "2024-02-29")
    offence(leap, "2025-02-28", outcome_date="2025-03-01")  # counts
    offence(leap, "2025-03-01", outcome_date="2025-03-02")  # does not
    result = kpis("2023-07-01", "2024-03-31", "2026-01-01")["proven_reoffending"]
    assert (result["cohort"], result["reoffenders"], result["reoffences"]) == (2, 2, 2)


def test_unproven_outcomes_are_not_reoffences(kpis):
    person = PersonFactory()
    disposal(person, "community_order", "2023-02-01")
    offence(person, "2023-03-01", "nfa", "2023-03-10")
    offence(person, "2023-03-02", "acquitted", "2023-05-10")
    offence(person, "2023-03-03", "pending")
    offence(person, "2023-03-04", "caution", "2023-03-05")
    assert kpis(*Q1, "2025-01-01")["proven_reoffending"]["reoffences"] == 1


def test_rates_round_half_away_from_zero(kpis):
    # 1 reoffender in 3: 33.333… → 33.3; 2 reoffences / 3 people → 0.67
    people = [PersonFactory() for _ in range(3)]
    for person in people:
        disposal(person, "fine", "2023-02-01")
    offence(people[0], "2023-03-01")
    offence(people[0], "2023-04-01")
    result = kpis(*Q1, "2025-01-01")["proven_reoffending"]
    assert result["binary_rate"] == 33.3
    assert result["frequency_per_offender"] == 0.67
    assert result["frequency_per_reoffender"] == 2.0


def test_empty_cohort_gives_nulls_not_errors(kpis):
    result = kpis(*Q1, "2025-01-01")["proven_reoffending"]
    assert result["cohort"] == 0
    assert result["binary_rate"] is None
    assert result["frequency_per_offender"] is None
    assert result["frequency_per_reoffender"] is None


def test_age_group_is_age_on_the_index_date(kpis):
    eighteen_that_day = PersonFactory(date_of_birth=d("2005-02-01"))
    disposal(eighteen_that_day, "caution", "2023-02-01")
    eighteen_next_day = PersonFactory(date_of_birth=d("2005-02-02"))
    disposal(eighteen_next_day, "caution", "2023-02-01")
    offence(eighteen_next_day, "2023-03-01")
    ages = kpis(*Q1, "2025-01-01")["proven_reoffending"]["breakdowns"]["age_group"]
    assert ages["adult"]["cohort"] == 1
    assert ages["adult"]["reoffenders"] == 0
    assert ages["juvenile"]["cohort"] == 1
    assert ages["juvenile"]["binary_rate"] == 100.0


def test_gender_breakdown(kpis):
    disposal(PersonFactory(gender=Gender.FEMALE), "fine", "2023-02-01")
    disposal(PersonFactory(gender=Gender.FEMALE), "fine", "2023-02-01")
    disposal(PersonFactory(gender=Gender.MALE), "fine", "2023-02-01")
    genders = kpis(*Q1, "2025-01-01")["proven_reoffending"]["breakdowns"]["gender"]
    assert {k: v["cohort"] for k, v in genders.items()} == {
        "male": 1,
        "female": 2,
        "other": 0,
        "unknown": 0,
    }


def test_cohort_membership_at_the_index_date(kpis):
    iom = PersonFactory()
    disposal(iom, "fine", "2023-02-01")
    membership(iom, "iom", "2022-01-01", "2023-02-01")  # ends on the index date: still in
    membership(iom, "ppo", "2022-01-01")  # in both: counted as iom
    ppo = PersonFactory()
    disposal(ppo, "fine", "2023-02-01")
    membership(ppo, "ppo", "2023-02-01")  # starts on the index date
    membership(ppo, "iom", "2023-02-02")  # starts the day after: not at index
    neither = PersonFactory()
    disposal(neither, "fine", "2023-02-01")
    membership(neither, "iom", "2022-01-01", "2023-01-31")  # ended the day before
    membership(neither, "mappa", "2022-01-01")
    groups = kpis(*Q1, "2025-01-01")["proven_reoffending"]["breakdowns"]["cohort_membership"]
    assert {k: v["cohort"] for k, v in groups.items()} == {"iom": 1, "ppo": 1, "none": 1}


def test_breakdowns_add_up_to_the_cohort(kpis):
    build_worked_example()
    result = kpis(*Q1, "2025-01-01")["proven_reoffending"]
    for groups in result["breakdowns"].values():
        assert sum(g["cohort"] for g in groups.values()) == result["cohort"]
        assert sum(g["reoffences"] for g in groups.values()) == result["reoffences"]
