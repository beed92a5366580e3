"""`manage.py load_unit_costs FILE --name … --price-year … --source …`

FILE is a CSV with a header row `category,cost` (offence categories as in
DOMAIN.md, costs in pounds). Categories left out are uncosted."""

from __future__ import annotations

import csv
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reporting import services


class Command(BaseCommand):
    help = "Load a table of unit costs of crime (one price year) from a CSV file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--name", required=True)
        parser.add_argument("--price-year", type=int, required=True)
        parser.add_argument("--source", required=True)
        parser.add_argument("--make-default", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        costs: dict[str, Decimal] = {}
        try:
            with options["file"].open(newline="", encoding="utf-8") as handle:
                for line, row in enumerate(csv.DictReader(handle), start=2):
                    try:
                        costs[row["category"].strip()] = Decimal(row["cost"].strip())
                    except (KeyError, AttributeError, InvalidOperation):
                        raise CommandError(
                            f"Line {line}: need a category and a cost in pounds."
                        ) from None
            table = services.unit_cost_table_load(
                name=options["name"],
                price_year=options["price_year"],
                source=options["source"],
                costs=costs,
                by=None,
                make_default=options["make_default"],
            )
        except (OSError, ValueError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Loaded {table} with {len(costs)} costed categories.")
