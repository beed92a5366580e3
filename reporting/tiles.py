"""KPI tiles for the partnership dashboard, from the latest finished report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.safestring import SafeString

from .charts import sparkline
from .tables import display

TILES = [
    # (key in the trend rows, title, where the current figure comes from)
    ("binary_rate", "Proven reoffending rate", ("proven_reoffending", "binary_rate")),
    ("cohort_change_percent", "Cohort offending change", ("cohort_offending", "change_percent")),
    ("ni143_rate", "Settled accommodation at end (NI 143)", ("ni143", "rate")),
    ("ni144_rate", "Employment at end (NI 144)", ("ni144", "rate")),
    ("ni18_actual_rate", "Reoffending under supervision (NI 18)", ("ni18", "actual_rate")),
]


@dataclass(frozen=True)
class Tile:
    title: str
    value: str
    trend: list[tuple[str, str]]
    chart: SafeString


def _quarter(start: str) -> str:
    return f"{start[:4]} Q{(int(start[5:7]) - 1) // 3 + 1}"


def dashboard_tiles(results: dict[str, Any] | None) -> list[Tile]:
    if not results:
        return []
    kpis, trend = results["kpis"], results.get("trend", [])
    tiles = []
    for index, (trend_key, title, (kpi, measure)) in enumerate(TILES):
        points = [(_quarter(row["start"]), row.get(trend_key)) for row in trend]
        value = kpis[kpi][measure]
        tiles.append(
            Tile(
                title=title,
                value=f"{display(value, 'rate')}%" if value is not None else "no data",
                trend=[(label, display(v, "rate")) for label, v in points],
                chart=sparkline(f"tile-{index}", f"{title} by quarter", points),
            )
        )
    return tiles
