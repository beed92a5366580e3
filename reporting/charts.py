"""Server-rendered SVG bar charts (DESIGN.md "Pages": no JavaScript charting).
Each chart sits beside the table it is drawn from; the table is the
accessible version, so the SVG is labelled and points to it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .tables import SUPPRESSED, Table

BAR_COLOUR = "#1d70b8"  # GOV.UK blue
TEXT_COLOUR = "#0b0c0c"
LABEL_WIDTH = 190
BAR_SPACE = 260
ROW_HEIGHT = 30
VALUE_SPACE = 70


@dataclass(frozen=True)
class Chart:
    slug: str
    title: str
    table_slug: str
    svg: SafeString


def bar_chart(slug: str, title: str, bars: list[tuple[str, Any]], unit: str = "") -> SafeString:
    """Horizontal bars, one per (label, value). None or `[c]` draws no bar and
    writes the value as text."""
    numbers = [v for _, v in bars if isinstance(v, int | float)]
    top = max([*numbers, 0]) or 1
    width = LABEL_WIDTH + BAR_SPACE + VALUE_SPACE
    height = ROW_HEIGHT * len(bars) + 10
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" class="rr-chart" role="img" '
        'font-family="arial, sans-serif" '
        f'aria-labelledby="{slug}-title" viewBox="0 0 {width} {height}" '
        f'width="100%">',
        f'<title id="{slug}-title">{escape(title)} (the data is in the table beside)</title>',
    ]
    for index, (label, value) in enumerate(bars):
        y = 5 + index * ROW_HEIGHT
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 19}" text-anchor="end" font-size="14" '
            f'fill="{TEXT_COLOUR}">{escape(label)}</text>'
        )
        if isinstance(value, int | float):
            length = max(round(BAR_SPACE * max(value, 0) / top), 1 if value else 0)
            parts.append(
                f'<rect x="{LABEL_WIDTH}" y="{y + 4}" width="{length}" height="{ROW_HEIGHT - 8}" '
                f'fill="{BAR_COLOUR}"/>'
            )
            shown = f"{value:,}{unit}" if isinstance(value, int) else f"{value:,.1f}{unit}"
        else:
            length = 0
            shown = SUPPRESSED if value == SUPPRESSED else "no data"
        parts.append(
            f'<text x="{LABEL_WIDTH + length + 6}" y="{y + 19}" font-size="14" '
            f'fill="{TEXT_COLOUR}">{escape(shown)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 — every label and value above is escaped


def report_charts(tables: list[Table]) -> dict[str, list[Chart]]:
    """Charts for a report's tables, keyed by the table they draw."""
    by_slug = {t.slug: t for t in tables}
    charts: dict[str, list[Chart]] = {}
    reoffending = by_slug["proven_reoffending"]
    breakdowns: dict[str, list[tuple[str, Any]]] = {}
    for row in reoffending.rows[1:]:
        breakdowns.setdefault(row["breakdown"], []).append((row["group"], row["binary_rate"]))
    charts["proven_reoffending"] = [
        Chart(
            f"chart-reoffending-{index}",
            f"Binary reoffending rate by {name.lower()}",
            "proven_reoffending",
            bar_chart(
                f"chart-reoffending-{index}",
                f"Binary reoffending rate by {name.lower()}",
                bars,
                "%",
            ),
        )
        for index, (name, bars) in enumerate(breakdowns.items())
    ]
    impact = by_slug["iom_impact"]
    bars = [(row["phase"], row["offences"]) for row in impact.rows]
    charts["iom_impact"] = [
        Chart(
            "chart-impact",
            "Proven offences before, during and after",
            "iom_impact",
            bar_chart("chart-impact", "Proven offences before, during and after", bars),
        )
    ]
    profile = by_slug["cohort_profile"]
    ages = [
        (row["group"], row["people"]) for row in profile.rows if row["characteristic"] == "Age band"
    ]
    charts["cohort_profile"] = [
        Chart(
            "chart-ages",
            "People by age band",
            "cohort_profile",
            bar_chart("chart-ages", "People by age band", ages),
        )
    ]
    if "trend" in by_slug:
        title = "Binary reoffending rate by quarter"
        bars = [(r["quarter"], r["binary_rate"]) for r in by_slug["trend"].rows]
        charts["trend"] = [
            Chart("chart-trend", title, "trend", bar_chart("chart-trend", title, bars, "%"))
        ]
    if "disproportionality" in by_slug:
        title = "Share of each group enforced against"
        bars = [(r["ethnicity"], r["enforced_rate"]) for r in by_slug["disproportionality"].rows]
        charts["disproportionality"] = [
            Chart(
                "chart-enforced",
                title,
                "disproportionality",
                bar_chart("chart-enforced", title, bars, "%"),
            )
        ]
    return charts


def sparkline(slug: str, title: str, points: list[tuple[str, Any]], unit: str = "%") -> SafeString:
    """Small vertical bars, oldest on the left, for a dashboard tile. The
    figures are listed beside it for screen readers and without the chart."""
    numbers = [v for _, v in points if isinstance(v, int | float)]
    top = max([*numbers, 0]) or 1
    bar, gap, height = 14, 4, 40
    width = len(points) * (bar + gap)
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" class="rr-sparkline" role="img" '
        'font-family="arial, sans-serif" '
        f'aria-labelledby="{slug}-title" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}">',
        f'<title id="{slug}-title">{escape(title)}</title>',
    ]
    for index, (label, value) in enumerate(points):
        if not isinstance(value, int | float):
            continue
        size = max(round(height * max(value, 0) / top), 1)
        parts.append(
            f'<rect x="{index * (bar + gap)}" y="{height - size}" width="{bar}" '
            f'height="{size}" fill="{BAR_COLOUR}"><title>{escape(label)}: '
            f"{escape(f'{value:,.1f}{unit}')}</title></rect>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 — every label and value above is escaped
