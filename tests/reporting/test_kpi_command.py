"""`manage.py kpi` — a public contract (DESIGN.md "Contracts other tools rely on")."""

from __future__ import annotations

import csv
import json
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from .factories import PersonFactory, disposal, membership, offence

pytestmark = pytest.mark.django_db

KPI_FIELDS = {
    "proven_reoffending": {
        "cohort",
        "reoffenders",
        "binary_rate",
        "reoffences",
        "frequency_per_offender",
        "frequency_per_reoffender",
        "final",
        "breakdowns",
    },
    "cohort_offending": {
        "cohort",
        "baseline_offences",
        "followup_offences",
        "change_percent",
        "followup_offenders",
        "final",
    },
    "ni143": {"numerator", "denominator", "excluded", "rate"},
    "ni144": {"numerator", "denominator", "excluded", "rate"},
    "ni18": {
        "cohort",
        "reoffenders",
        "actual_rate",
        "predicted_rate",
        "difference_percent",
        "excluded_no_prediction",
        "final",
    },
    "iom_impact": {
        "memberships",
        "before_offences",
        "during_offences",
        "after_offences",
        "after_cohort",
        "before_cost",
        "during_cost",
        "after_cost",
        "cost_table",
    },
}


def run(*args: str) -> str:
    out = StringIO()
    call_command("kpi", *args, stdout=out)
    return out.getvalue()


def test_json_has_exactly_the_contract_keys():
    result = json.loads(
        run("--start", "2023-01-01", "--end", "2023-03-31", "--as-of", "2025-01-01")
    )
    assert set(result) == {"period", "as_of", "definition_version", *KPI_FIELDS}
    for kpi, fields in KPI_FIELDS.items():
        assert set(result[kpi]) == fields, kpi
    assert set(result["proven_reoffending"]["breakdowns"]) == {
        "age_group",
        "gender",
        "index_disposal_type",
        "cohort_membership",
    }
    assert set(result["iom_impact"]["cost_table"]) == {
        "name",
        "price_year",
        "source",
        "uncosted_categories",
    }


@time_machine.travel("2026-03-15 12:00:00+00:00", tick=False)
def test_as_of_defaults_to_today():
    result = json.loads(run("--start", "2023-01-01", "--end", "2023-03-31"))
    assert result["as_of"] == "2026-03-15"


@pytest.mark.parametrize(
    "args",
    [
        ("--start", "2023-02-30", "--end", "2023-03-31"),
        ("--start", "01/01/2023", "--end", "2023-03-31"),
        ("--start", "20230101", "--end", "2023-03-31"),
        ("--start", "2023-01-01", "--end", "2023-03-31", "--as-of", "yesterday"),
    ],
)
def test_bad_dates_are_refused_clearly(args):
    with pytest.raises(CommandError, match="is not a date: write it as YYYY-MM-DD"):
        run(*args)


def test_start_after_end_is_refused():
    with pytest.raises(CommandError, match="after --end"):
        run("--start", "2023-04-01", "--end", "2023-03-31")


def test_unknown_cohort_is_refused():
    with pytest.raises(CommandError):
        run("--start", "2023-01-01", "--end", "2023-03-31", "--cohort", "gang")


def test_cohort_option_reaches_cohort_offending_and_iom_impact():
    person = PersonFactory()
    membership(person, "ppo", "2022-01-01")
    offence(person, "2022-06-01")
    args = ("--start", "2023-01-01", "--end", "2023-03-31", "--as-of", "2025-01-01")
    default = json.loads(run(*args))
    ppo = json.loads(run(*args, "--cohort", "ppo"))
    assert default["cohort_offending"]["cohort"] == 0
    assert ppo["cohort_offending"]["cohort"] == 1
    assert ppo["iom_impact"]["memberships"] == 1
    assert ppo["iom_impact"]["before_offences"] == 0


def test_csv_has_one_row_per_figure():
    disposal(PersonFactory(), "fine", "2023-02-01")
    text = run(
        "--start", "2023-01-01", "--end", "2023-03-31", "--as-of", "2025-01-01", "--format", "csv"
    )
    rows = list(csv.reader(StringIO(text)))
    assert rows[0] == ["kpi", "breakdown", "group", "measure", "value"]
    assert ["report", "", "", "definition_version", "1"] in rows
    assert ["proven_reoffending", "", "", "cohort", "1"] in rows
    assert ["proven_reoffending", "", "", "frequency_per_reoffender", ""] in rows
    assert ["proven_reoffending", "index_disposal_type", "fine", "cohort", "1"] in rows
    assert ["ni143", "", "", "rate", ""] in rows
    assert ["iom_impact", "cost_table", "", "price_year", "2003"] in rows
