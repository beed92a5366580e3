"""The KPI results as rows, for CSV: one row per number."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

CSV_HEADER = ("kpi", "breakdown", "group", "measure", "value")


def kpi_rows(results: dict[str, Any]) -> Iterator[tuple[str, str, str, str, Any]]:
    """(kpi, breakdown, group, measure, value) for every figure in `results`
    (the shape kpi_results returns). The period comes first as kpi "report"."""
    yield ("report", "", "", "start", results["period"]["start"])
    yield ("report", "", "", "end", results["period"]["end"])
    yield ("report", "", "", "as_of", results["as_of"])
    yield ("report", "", "", "definition_version", results["definition_version"])
    for kpi, figures in results.items():
        if not isinstance(figures, dict) or kpi == "period":
            continue
        for measure, value in figures.items():
            if measure == "breakdowns":
                for breakdown, groups in value.items():
                    for group, counts in groups.items():
                        for name, number in counts.items():
                            yield (kpi, breakdown, group, name, number)
            elif measure == "cost_table":
                for name, detail in (value or {}).items():
                    if isinstance(detail, list):
                        detail = " ".join(detail)
                    yield (kpi, "cost_table", "", name, detail)
            else:
                yield (kpi, "", "", measure, value)
