"""ni18 (DOMAIN.md "KPI definitions (version 1)"): snapshot S = start - 1 day."""

from __future__ import annotations

from decimal import Decimal

import pytest

from .factories import PersonFactory, assessment, d, disposal, offence

pytestmark = pytest.mark.django_db

PERIOD = ("2023-04-01", "2023-06-30")
S = "2023-03-31"


def on_caseload(*, predicted_3m="0.2000", start="2022-01-01", **person):
    someone = PersonFactory(**person)
    disposal(someone, "community_order", start, supervised_by_probation=True)
    if predicted_3m is not None:
        assessment(someone, "2023-01-01", predicted_3m=predicted_3m)
    return someone


def result(kpis, as_of="2025-01-01"):
    return kpis(*PERIOD, as_of)["ni18"]


def test_caseload_on_the_snapshot(kpis):
    on_caseload(start=S)  # started on S: in
    on_caseload(start="2023-04-01")  # started after S: out
    terminated_on_s = on_caseload()
    terminated_on_s.disposals.update(terminated_date=d(S))  # terminated by S: out
    terminated_after = on_caseload()
    terminated_after.disposals.update(terminated_date=d("2023-04-01"))  # after S: in
    unsupervised = on_caseload()
    unsupervised.disposals.update(supervised_by_probation=False)  # out
    fined = on_caseload()
    fined.disposals.update(type="fine")  # not a supervised type: out
    twice = on_caseload()
    disposal(twice, "licence", "2022-06-01", supervised_by_probation=True)  # counted once
    assert result(kpis)["cohort"] == 3


def test_adults_only_aged_18_on_the_snapshot(kpis):
    on_caseload(date_of_birth=d("2005-03-31"))  # 18 on S
    on_caseload(date_of_birth=d("2005-04-01"))  # 18 the day after S
    assert result(kpis)["cohort"] == 1


def test_prediction_prefers_predicted_3m_then_ogrs3_1y(kpis):
    with_both = on_caseload(predicted_3m=None)
    assessment(with_both, "2022-06-01", predicted_3m="0.1000")
    assessment(with_both, "2023-02-01", ogrs3_1y=90)  # later, but predicted_3m wins: 0.1
    with_ogrs = on_caseload(predicted_3m=None)
    assessment(with_ogrs, "2022-06-01", ogrs3_1y=20)
    assessment(with_ogrs, "2023-03-31", ogrs3_1y=50)  # latest on or before S: used
    assessment(with_ogrs, "2023-04-01", predicted_3m="0.9000")  # after S: ignored
    got = result(kpis)
    p_ogrs = 1 - (1 - Decimal("0.5")) ** Decimal("0.25")  # 0.159103…
    expected = (Decimal("0.1") + p_ogrs) / 2 * 100  # 12.955…
    assert got["cohort"] == 2
    assert got["predicted_rate"] == 13.0
    assert abs(Decimal(str(got["predicted_rate"])) - expected) < Decimal("0.05")


def test_people_with_no_prediction_are_left_out_and_counted(kpis):
    on_caseload()
    none_at_all = on_caseload(predicted_3m=None)
    offence(none_at_all, "2023-05-01")
    only_rosh = on_caseload(predicted_3m=None)
    assessment(only_rosh, "2023-01-01")
    too_late = on_caseload(predicted_3m=None)
    assessment(too_late, "2023-04-01", ogrs3_1y=40)
    got = result(kpis)
    assert (got["cohort"], got["excluded_no_prediction"], got["reoffenders"]) == (1, 3, 0)


def test_reoffending_window_and_waiting_period(kpis):
    # end + 6 months = 2023-12-30
    cases = [
        ("2023-03-31", "2023-04-01", False),  # offence before the period
        ("2023-04-01", "2023-04-02", True),  # first day
        ("2023-06-30", "2023-12-30", True),  # last day, outcome on end + 6 months
        ("2023-06-30", "2023-12-31", False),  # outcome a day late
        ("2023-07-01", "2023-07-02", False),  # after the period
    ]
    for offence_date, outcome_date, _ in cases:
        offence(on_caseload(), offence_date, "conviction", outcome_date)
    got = result(kpis)
    assert got["cohort"] == len(cases)
    assert got["reoffenders"] == sum(1 for *_, counts in cases if counts)


def test_rates_and_difference(kpis):
    # predictions 0.2, 0.3, 0.1, 0.2 → predicted 20.0%; 2 of 4 reoffend → 50.0%
    people = [on_caseload(predicted_3m=p) for p in ("0.2", "0.3", "0.1", "0.2")]
    offence(people[0], "2023-05-01")
    offence(people[1], "2023-05-01", "caution", "2023-05-02")
    offence(people[1], "2023-05-03")
    offence(people[2], "2023-05-01", "nfa", "2023-05-02")
    assert result(kpis) == {
        "cohort": 4,
        "reoffenders": 2,
        "actual_rate": 50.0,
        "predicted_rate": 20.0,
        "difference_percent": 150.0,
        "excluded_no_prediction": 0,
        "final": True,
    }


def test_empty_caseload_gives_nulls(kpis):
    got = result(kpis)
    assert got["cohort"] == 0
    assert got["actual_rate"] is None
    assert got["predicted_rate"] is None
    assert got["difference_percent"] is None


def test_final_from_end_plus_6_months_and_as_of_hides_later_outcomes(kpis):
    offence(on_caseload(), "2023-05-01", "conviction", "2023-09-01")
    early = result(kpis, as_of="2023-08-31")
    assert (early["reoffenders"], early["final"]) == (0, False)
    assert result(kpis, as_of="2023-12-29")["final"] is False
    late = result(kpis, as_of="2023-12-30")
    assert (late["reoffenders"], late["final"]) == (1, True)
