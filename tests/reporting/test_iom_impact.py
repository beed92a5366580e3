"""iom_impact and unit costs (DOMAIN.md "KPI definitions (version 1)")."""

from __future__ import annotations

from decimal import Decimal

import pytest

from reporting.models import UnitCost, UnitCostTable

from .factories import PersonFactory, membership, offence

pytestmark = pytest.mark.django_db

PERIOD = ("2023-04-01", "2023-06-30")


def result(kpis, as_of="2025-06-30", **options):
    return kpis(*PERIOD, as_of, **options)["iom_impact"]


def test_memberships_active_at_any_time_in_the_period(kpis):
    membership(PersonFactory(), "iom", "2023-06-30")  # starts on the last day: in
    membership(PersonFactory(), "iom", "2022-01-01", "2023-04-01")  # ends on the first day: in
    membership(PersonFactory(), "iom", "2022-01-01", "2023-03-31")  # ended before: out
    membership(PersonFactory(), "iom", "2023-07-01")  # starts after: out
    membership(PersonFactory(), "ppo", "2023-05-01")  # another scheme: out
    twice = PersonFactory()
    membership(twice, "iom", "2022-01-01", "2023-04-30")
    membership(twice, "iom", "2023-06-01")  # each membership counts
    assert result(kpis)["memberships"] == 4
    assert result(kpis, cohort="ppo")["memberships"] == 1


def test_before_during_after_windows_for_an_ended_membership(kpis):
    # A = 2023-01-10, D = 2023-05-31: before [2022-01-10, 2023-01-10),
    # during [2023-01-10, 2023-06-01), after [2023-06-01, 2024-06-01).
    person = PersonFactory()
    membership(person, "iom", "2023-01-10", "2023-05-31")
    for day in ("2022-01-09", "2022-01-10", "2023-01-09"):  # out, before, before
        offence(person, day)
    for day in ("2023-01-10", "2023-05-31"):  # during, during
        offence(person, day)
    for day in ("2023-06-01", "2024-05-31", "2024-06-01"):  # after, after, out
        offence(person, day)
    got = result(kpis, as_of="2024-06-01")
    assert (got["before_offences"], got["during_offences"], got["after_offences"]) == (2, 2, 2)
    assert got["after_cohort"] == 1


def test_after_counts_only_once_the_window_is_complete_by_as_of(kpis):
    person = PersonFactory()
    membership(person, "iom", "2023-01-10", "2023-05-31")
    offence(person, "2023-07-01")
    got = result(kpis, as_of="2024-05-31")  # after window ends 2024-06-01
    assert (got["after_offences"], got["after_cohort"]) == (0, 0)
    got = result(kpis, as_of="2024-06-01")
    assert (got["after_offences"], got["after_cohort"]) == (1, 1)


def test_after_window_clamps_at_month_end(kpis):
    # D + 1 day = 2024-02-29; + 12 months = 2025-02-28 (clamped).
    person = PersonFactory()
    membership(person, "iom", "2023-05-01", "2024-02-28")
    offence(person, "2025-02-27")  # after
    offence(person, "2025-02-28")  # outside
    assert result(kpis, as_of="2025-02-27")["after_cohort"] == 0
    got = result(kpis, as_of="2025-02-28")
    assert (got["after_offences"], got["after_cohort"]) == (1, 1)


def test_current_membership_counts_during_up_to_as_of(kpis):
    person = PersonFactory()
    membership(person, "iom", "2023-01-10")
    offence(person, "2023-06-01", outcome_date="2023-06-01")  # on as-of: during
    offence(person, "2023-06-02", outcome_date="2023-06-02")  # after as-of: not yet
    got = result(kpis, as_of="2023-06-01")
    assert (got["during_offences"], got["after_offences"], got["after_cohort"]) == (1, 0, 0)


def test_end_date_after_as_of_is_treated_as_current(kpis):
    person = PersonFactory()
    membership(person, "iom", "2023-01-10", "2023-12-31")
    offence(person, "2023-05-01")
    got = result(kpis, as_of="2023-06-01")
    assert (got["during_offences"], got["after_cohort"]) == (1, 0)


def test_costs_by_category_from_the_default_table(kpis):
    person = PersonFactory()
    membership(person, "iom", "2023-01-10", "2023-05-31")
    offence(person, "2022-06-01", category="violence_with_injury")  # before: 10,407
    offence(person, "2022-07-01", category="homicide")  # before: 10,407
    offence(person, "2023-02-01", category="domestic_burglary")  # during: 3,268
    offence(person, "2023-03-01", category="shoplifting")  # during: 844
    offence(person, "2023-04-01", category="drug_supply")  # during: uncosted
    offence(person, "2023-07-01", category="arson")  # after: 866
    offence(person, "2023-08-01", category="sexual_offence")  # after: 31,438
    got = result(kpis)
    assert got["before_cost"] == 20814.0
    assert got["during_cost"] == 4112.0
    assert got["after_cost"] == 32304.0
    assert got["cost_table"]["name"] == "Home Office 2003/04"
    assert got["cost_table"]["price_year"] == 2003
    assert got["cost_table"]["uncosted_categories"] == [
        "drug_possession",
        "drug_supply",
        "public_order",
        "possession_of_weapons",
        "fraud",
        "motoring",
        "other",
    ]


def test_default_table_matches_domain_md():
    table = UnitCostTable.objects.get(is_default=True)
    costs = {c.category: c.cost for c in table.costs.all()}
    assert costs == {
        "violence_with_injury": Decimal("10407"),
        "homicide": Decimal("10407"),
        "violence_without_injury": Decimal("1440"),
        "sexual_offence": Decimal("31438"),
        "robbery": Decimal("7282"),
        "domestic_burglary": Decimal("3268"),
        "non_domestic_burglary": Decimal("844"),
        "vehicle_theft": Decimal("844"),
        "theft_from_vehicle": Decimal("844"),
        "theft_from_person": Decimal("844"),
        "shoplifting": Decimal("844"),
        "other_theft": Decimal("844"),
        "criminal_damage": Decimal("866"),
        "arson": Decimal("866"),
    }


def test_another_table_is_used_alone_when_chosen(kpis):
    person = PersonFactory()
    membership(person, "iom", "2023-01-10")
    offence(person, "2023-02-01", category="homicide")
    offence(person, "2023-02-02", category="fraud")
    newer = UnitCostTable.objects.create(name="Home Office 2015/16", price_year=2016, source="x")
    UnitCost.objects.create(table=newer, category="homicide", cost=Decimal("3217740"))
    got = result(kpis, cost_table_id=newer.pk)
    assert got["during_cost"] == 3217740.0
    assert got["cost_table"]["price_year"] == 2016
    assert "fraud" in got["cost_table"]["uncosted_categories"]
    assert "violence_with_injury" in got["cost_table"]["uncosted_categories"]
    assert result(kpis)["during_cost"] == 10407.0


def test_without_a_cost_table_costs_are_null(kpis):
    UnitCostTable.objects.all().delete()
    person = PersonFactory()
    membership(person, "iom", "2023-01-10")
    offence(person, "2023-02-01")
    got = result(kpis)
    assert got["during_offences"] == 1
    assert (got["before_cost"], got["during_cost"], got["after_cost"]) == (None, None, None)
    assert got["cost_table"] is None


def test_only_proven_offences_count(kpis):
    person = PersonFactory()
    membership(person, "iom", "2023-01-10")
    offence(person, "2023-02-01", "nfa", "2023-02-02")
    offence(person, "2023-02-01", "acquitted", "2023-03-02")
    offence(person, "2023-02-01", "pending")
    assert result(kpis)["during_offences"] == 0
