from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from bench.generate import REFERENCE_PREFIX, generate
from offenders.models import Person


class Command(BaseCommand):
    help = "Generate N synthetic people with their history for benchmarks (COPY; deterministic)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--people", type=int, required=True)
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: Any, people: int, seed: int, **options: Any) -> None:
        if people < 1:
            raise CommandError("--people must be at least 1.")
        foreign = Person.objects.exclude(reference__startswith=REFERENCE_PREFIX)
        if foreign.exclude(reference__startswith="N").exists():
            raise CommandError(
                "This database holds people that are neither demo nor benchmark data: "
                "generate_scale only runs on a benchmark database."
            )
        started = time.perf_counter()
        counts = generate(people, seed=seed)
        for table, rows in counts.rows.items():
            self.stdout.write(f"{table:<42} {rows:>10,} rows {counts.seconds[table]:>7.1f} s")
        self.stdout.write(f"{'ANALYZE':<42} {'':>10}      {counts.seconds['ANALYZE']:>7.1f} s")
        self.stdout.write(f"total {time.perf_counter() - started:.1f} s for {people:,} people")
