"""ni143 / ni144 (DOMAIN.md "KPI definitions (version 1)")."""

from __future__ import annotations

import pytest

from .factories import PersonFactory, disposal

pytestmark = pytest.mark.django_db

PERIOD = ("2023-04-01", "2023-06-30")


def ended(
    accommodation="unknown", employment="unknown", *, type="licence", on="2023-05-01", **fields
):
    fields.setdefault("supervised_by_probation", True)
    return disposal(
        PersonFactory(),
        type,
        "2022-01-01",
        terminated_date=on,
        accommodation_at_end=accommodation,
        employment_at_end=employment,
        **fields,
    )


def test_ni143_leaves_unknown_accommodation_out_of_the_denominator(kpis):
    ended("settled")
    ended("settled")
    ended("unsettled")
    ended("nfa")
    ended("unknown")
    assert kpis(*PERIOD, "2025-01-01")["ni143"] == {
        "numerator": 2,
        "denominator": 4,
        "excluded": 1,
        "rate": 50.0,
    }


def test_ni144_leaves_unknown_and_unavailable_out_of_the_denominator(kpis):
    ended(employment="employed")
    ended(employment="unemployed")
    ended(employment="unemployed")
    ended(employment="unavailable")
    ended(employment="unknown")
    assert kpis(*PERIOD, "2025-01-01")["ni144"] == {
        "numerator": 1,
        "denominator": 3,
        "excluded": 2,
        "rate": 33.3,
    }


def test_population_is_supervised_disposals_terminated_in_the_period(kpis):
    for kind in ("licence", "pss", "community_order", "suspended_sentence_order"):
        ended("settled", "employed", type=kind)
    ended("settled", "employed", on="2023-04-01")  # first day: in
    ended("settled", "employed", on="2023-06-30")  # last day: in
    ended("settled", "employed", on="2023-03-31")  # day before: out
    ended("settled", "employed", on="2023-07-01")  # day after: out
    ended("settled", "employed", on=None)  # not terminated: out
    ended("settled", "employed", supervised_by_probation=False)  # not supervised: out
    ended("settled", "employed", type="custody")  # not a supervised type: out
    ended("settled", "employed", type="fine")
    result = kpis(*PERIOD, "2025-01-01")
    assert result["ni143"]["denominator"] == 6
    assert result["ni144"]["denominator"] == 6


def test_terminations_after_as_of_are_not_known_yet(kpis):
    ended("settled", on="2023-06-30")
    assert kpis(*PERIOD, "2023-06-29")["ni143"]["denominator"] == 0
    assert kpis(*PERIOD, "2023-06-30")["ni143"]["denominator"] == 1


def test_rate_is_null_when_denominator_is_zero(kpis):
    ended("unknown", "unavailable")
    result = kpis(*PERIOD, "2025-01-01")
    assert result["ni143"] == {"numerator": 0, "denominator": 0, "excluded": 1, "rate": None}
    assert result["ni144"] == {"numerator": 0, "denominator": 0, "excluded": 1, "rate": None}
