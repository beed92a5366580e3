"""The quarterly report's sections beside the KPIs: trend, compliance and
enforcement, disproportionality, cohort profile."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from offenders.models import Contact, Enforcement, Gender
from reporting.kpis import Period
from reporting.kpis.activity import compliance_and_enforcement, disproportionality
from reporting.kpis.profile import cohort_profile
from reporting.kpis.trend import headline_trend, quarters_ending_with
from reporting.tables import report_tables

from .factories import AgencyFactory, PersonFactory, d, membership
from .test_proven_reoffending import build_worked_example

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
Q2 = Period(start=date(2023, 4, 1), end=date(2023, 6, 30), as_of=date(2025, 1, 1))


def test_eight_quarters_oldest_first_ending_with_the_one_containing_the_day():
    quarters = quarters_ending_with(date(2024, 2, 10))
    assert len(quarters) == 8
    assert quarters[0] == (date(2022, 4, 1), date(2022, 6, 30))
    assert quarters[-1] == (date(2024, 1, 1), date(2024, 3, 31))
    assert quarters[-4] == (date(2023, 4, 1), date(2023, 6, 30))


def test_trend_carries_the_worked_example_in_its_quarter():
    build_worked_example()
    rows = headline_trend(end=date(2023, 6, 30), as_of=date(2025, 1, 1))
    q1 = next(r for r in rows if r["start"] == "2023-01-01")
    assert (q1["reoffending_cohort"], q1["binary_rate"], q1["reoffending_final"]) == (
        5,
        40.0,
        True,
    )
    assert rows[-1]["start"] == "2023-04-01"


def contact(person, on, outcome, kind="appointment"):
    Contact.objects.create(
        person=person, kind=kind, occurred_on=d(on), outcome=outcome, agency=AgencyFactory()
    )


def enforcement(person, at, kind):
    Enforcement.objects.create(person=person, kind=kind, occurred_at=at, agency=AgencyFactory())


def test_compliance_and_enforcement_for_the_cohort_in_the_period():
    member = PersonFactory()
    membership(member, "iom", "2023-01-01")
    other = PersonFactory()
    contact(member, "2023-04-01", "attended")
    contact(member, "2023-06-30", "missed_unacceptable")
    contact(member, "2023-05-01", "missed_unacceptable", kind="home_visit")
    contact(member, "2023-05-02", "missed_acceptable")
    contact(member, "2023-07-01", "missed_unacceptable")  # after the period
    contact(member, "2023-05-03", "", kind="note")  # not an appointment
    contact(other, "2023-05-01", "missed_unacceptable")  # not in the cohort
    # 23:30 on 30 June in London is 22:30 UTC: still in the period.
    enforcement(member, datetime(2023, 6, 30, 23, 30, tzinfo=LONDON), "breach")
    # 00:30 on 1 April in London is 23:30 UTC on 31 March: in the period too.
    enforcement(member, datetime(2023, 4, 1, 0, 30, tzinfo=LONDON), "breach")
    enforcement(member, datetime(2023, 7, 1, 0, 30, tzinfo=LONDON), "recall")  # after
    enforcement(other, datetime(2023, 5, 1, 12, 0, tzinfo=LONDON), "recall")
    got = compliance_and_enforcement(Q2, "iom")
    assert (got["people"], got["attended"], got["missed_acceptable"]) == (1, 1, 1)
    assert (got["missed_unacceptable"], got["people_missing_unacceptably"]) == (2, 1)
    assert got["enforcement"]["breach"] == {"actions": 2, "people": 1}
    assert got["enforcement"]["recall"] == {"actions": 0, "people": 0}


def test_disproportionality_by_ethnicity():
    for ethnicity, selected, enforced in [
        ("White British", True, True),
        ("White British", False, False),
        ("Black Caribbean", True, True),
        ("", False, False),
    ]:
        person = PersonFactory(ethnicity=ethnicity)
        membership(person, "iom", "2023-05-01" if selected else "2022-01-01")
        if enforced:
            enforcement(person, datetime(2023, 5, 10, 12, 0, tzinfo=LONDON), "breach")
    PersonFactory(ethnicity="Black Caribbean")  # recorded, never in the cohort
    rows = {r["ethnicity"]: r for r in disproportionality(Q2, "iom")}
    assert rows["White British"] == {
        "ethnicity": "White British",
        "recorded": 2,
        "selected": 1,
        "in_cohort": 2,
        "enforced": 1,
    }
    assert rows["Black Caribbean"]["recorded"] == 2
    assert rows["Black Caribbean"]["in_cohort"] == 1
    assert rows["not recorded"]["enforced"] == 0


def test_cohort_profile_on_the_last_day():
    in_cohort = PersonFactory(
        gender=Gender.FEMALE, date_of_birth=d("2005-06-30"), ethnicity="Asian"
    )  # 18 on 2023-06-30
    membership(in_cohort, "iom", "2023-01-01")
    membership(in_cohort, "ppo", "2023-02-01")
    left = PersonFactory()
    membership(left, "iom", "2023-01-01", "2023-06-29")
    got = cohort_profile(Q2, "iom")
    assert got["size"] == 1
    assert got["gender"]["female"] == 1
    assert got["age_band"]["18-24"] == 1
    assert got["ethnicity"] == {"Asian": 1}
    assert got["also_in"]["ppo"] == 1
    assert got["brag"]["not recorded"] == 1


def test_publication_suppresses_shares_built_on_small_counts():
    results = {
        "kpis": _empty_kpis(),
        "profile": cohort_profile(Q2, "iom"),
        "disproportionality": [
            {"ethnicity": "A", "recorded": 40, "selected": 2, "in_cohort": 10, "enforced": 0},
        ],
    }
    table = next(
        t
        for t in report_tables(results, {"cohort": "iom"}, publication=True)
        if t.slug == "disproportionality"
    )
    row = table.rows[0]
    assert (row["recorded"], row["recorded_share"]) == (40, 100.0)
    assert (row["selected"], row["selected_share"]) == ("[c]", "[c]")
    assert (row["in_cohort"], row["enforced"], row["enforced_rate"]) == (10, 0, 0.0)


def _empty_kpis():
    from reporting.kpis import kpi_results

    return kpi_results(start=Q2.start, end=Q2.end, as_of=Q2.as_of)


def test_publication_suppresses_trend_rates_built_on_small_counts():
    build_worked_example()
    results = {
        "kpis": _empty_kpis(),
        "profile": cohort_profile(Q2, "iom"),
        "trend": headline_trend(end=date(2023, 3, 31), as_of=date(2025, 1, 1)),
    }
    tables = {t.slug: t for t in report_tables(results, {"cohort": "iom"}, publication=True)}
    q1 = tables["trend"].rows[-1]
    assert (q1["reoffending_cohort"], q1["reoffenders"], q1["binary_rate"]) == (5, "[c]", "[c]")
    internal = {t.slug: t for t in report_tables(results, {"cohort": "iom"})}
    assert internal["trend"].rows[-1]["binary_rate"] == 40.0
    # Hidden basis counts are never shown or exported.
    assert "ni143_numerator" not in [c.key for c in tables["trend"].visible_columns]
    assert len(tables["trend"].header()) == 10
