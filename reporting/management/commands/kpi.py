"""`manage.py kpi`: the KPI results for one period as one JSON object (or CSV).

A public contract (DESIGN.md "Contracts other tools rely on"): keep the keys
and their meaning exactly as DOMAIN.md "KPI definitions (version 1)" says."""

from __future__ import annotations

import csv
import json
import re
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from offenders.models import Cohort
from reporting.kpis import kpi_results
from reporting.kpis.flatten import CSV_HEADER, kpi_rows

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _date(value: str) -> date:
    try:
        if not ISO_DATE.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date: write it as YYYY-MM-DD.") from None


class Command(BaseCommand):
    help = (
        "Print the KPIs of DOMAIN.md (definition version 1) for the period "
        "[--start, --end] as known on --as-of."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--start", required=True, help="first day of the period, YYYY-MM-DD")
        parser.add_argument("--end", required=True, help="last day of the period, YYYY-MM-DD")
        parser.add_argument(
            "--as-of", help="the date up to which data is known, YYYY-MM-DD (default today)"
        )
        parser.add_argument(
            "--cohort",
            default=Cohort.IOM.value,
            choices=Cohort.values,
            help="the scheme for cohort_offending and iom_impact (default iom)",
        )
        parser.add_argument("--format", default="json", choices=["json", "csv"])
        parser.add_argument(
            "--cost-table",
            type=int,
            help="id of the unit cost table for iom_impact (default: the default table)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        start = _date(options["start"])
        end = _date(options["end"])
        as_of = _date(options["as_of"]) if options["as_of"] else timezone.localdate()
        if start > end:
            raise CommandError(f"--start ({start}) is after --end ({end}).")
        try:
            results = kpi_results(
                start=start,
                end=end,
                as_of=as_of,
                cohort=options["cohort"],
                cost_table_id=options["cost_table"],
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        if options["format"] == "csv":
            writer = csv.writer(self.stdout, lineterminator="\n")
            writer.writerow(CSV_HEADER)
            writer.writerows(("" if v is None else v for v in row) for row in kpi_rows(results))
        else:
            self.stdout.write(json.dumps(results, indent=2))
