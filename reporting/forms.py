from __future__ import annotations

from datetime import date

from django import forms

from offenders.models import Cohort

from .models import UnitCostTable


def _period_day(which: str, example: str) -> forms.DateField:
    """The first or last day of the report's period, typed as an ISO date."""
    return forms.DateField(
        label=f"{which.capitalize()} day of the period",
        help_text=f"For example, {example}",
        input_formats=["%Y-%m-%d"],
        error_messages={
            "required": f"Enter the {which} day of the period",
            "invalid": f"Enter the {which} day as a date, like {example}",
        },
    )


class ReportRunForm(forms.Form):
    start = _period_day("first", "2026-07-01")
    end = _period_day("last", "2026-09-30")
    as_of = forms.DateField(
        label="Data as of (optional)",
        help_text="Leave empty for today. Outcomes recorded after this date are left out.",
        input_formats=["%Y-%m-%d"],
        required=False,
        error_messages={"invalid": "Enter the date as a date, like 2026-10-31"},
    )
    cohort = forms.ChoiceField(
        label="Cohort",
        choices=Cohort.choices,
        initial=Cohort.IOM,
        help_text="For the cohort offending and before, during and after figures",
    )
    cost_table = forms.ModelChoiceField(
        label="Unit costs of crime",
        queryset=UnitCostTable.objects.all(),
        required=False,
        empty_label="The default table",
    )

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if isinstance(start, date) and isinstance(end, date) and end < start:
            self.add_error("end", "The last day must be the same as or after the first day")
        return cleaned
