"""A report run's results as tables: the one shape the report page, the CSV,
XLSX and PDF downloads and the charts are all drawn from, so they always agree.

Publication mode (DOMAIN.md "Publication", docs/kpis.md): counts from 1 to 4
show as `[c]`; so do the other counts needed so that none of those can be
worked back from the table's totals (reporting/suppression.py, following the
table's `sums`), and any rate or cost built on a suppressed count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .suppression import Sum, suppress

SUPPRESSED = "[c]"

BREAKDOWN_LABELS = {
    "age_group": "Age at index date",
    "gender": "Gender",
    "index_disposal_type": "Index disposal",
    "cohort_membership": "Cohort at index date",
}
PROFILE_LABELS = {
    "gender": "Gender",
    "age_band": "Age band",
    "ethnicity": "Ethnicity",
    "brag": "BRAG status (now)",
    "also_in": "Also in another scheme",
}


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    # text | count | rate (a percentage) | ratio | money
    kind: str = "text"
    # For rates, ratios and money: the counts in the same row they are built on.
    basis: tuple[str, ...] = ()
    # Kept for suppression (a rate's basis) but not shown or exported.
    hidden: bool = False


@dataclass
class Table:
    slug: str
    title: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)
    # How the counts add up (a total and its parts), for secondary suppression.
    sums: list[Sum] = field(default_factory=list)

    @property
    def visible_columns(self) -> list[Column]:
        return [c for c in self.columns if not c.hidden]

    def header(self) -> list[str]:
        return [c.label for c in self.visible_columns]

    def values(self) -> list[list[Any]]:
        return [[row.get(c.key) for c in self.visible_columns] for row in self.rows]


# Results are stored as jsonb, which does not keep key order: groups are put
# back in their natural order here (anything unknown follows, sorted).
GROUP_ORDER: dict[str, tuple[str, ...]] = {
    "age_group": ("adult", "juvenile"),
    "gender": ("male", "female", "other", "unknown"),
    "index_disposal_type": (
        "custody",
        "suspended_sentence_order",
        "community_order",
        "fine",
        "discharge",
        "caution",
    ),
    "cohort_membership": ("iom", "ppo", "none"),
    "age_band": ("under 18", "18-24", "25-34", "35-44", "45-54", "55 and over"),
    "brag": ("blue", "red", "amber", "green", "not recorded"),
    "also_in": ("iom", "ppo", "dip", "mappa", "sgv", "asb"),
}


def _in_order(groups: dict[str, Any], order: tuple[str, ...]) -> list[tuple[str, Any]]:
    known = [(key, groups[key]) for key in order if key in groups]
    rest = sorted((key, value) for key, value in groups.items() if key not in order)
    return known + rest


def display(value: Any, kind: str) -> str:
    """A figure as the report page and PDF show it."""
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    if kind == "rate":
        return f"{value:,.1f}"
    if kind == "ratio":
        return f"{value:,.2f}"
    if kind == "money":
        return f"£{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


SUPPRESSION_NOTE = (
    "[c]: confidential. A count from 1 to 4, another count suppressed so that it "
    "cannot be worked out from the totals, or a figure built on either."
)


def _suppress(table: Table) -> Table:
    counts = [c.key for c in table.columns if c.kind == "count"]
    derived = [c for c in table.columns if c.basis]
    hidden = suppress(table.rows, counts, table.sums)
    rows = []
    for i, row in enumerate(table.rows):
        row = dict(row)
        here = {key for (r, key) in hidden if r == i}
        for key in here:
            row[key] = SUPPRESSED
        for column in derived:
            if here & set(column.basis) and row.get(column.key) is not None:
                row[column.key] = SUPPRESSED
        rows.append(row)
    notes = [*table.notes, SUPPRESSION_NOTE]
    return Table(table.slug, table.title, table.columns, rows, notes, table.sums)


def _group_sums(rows: list[dict[str, Any]], group_key: str, columns: list[str]) -> list[Sum]:
    """Row 0 is the total ("All") of each run of rows sharing `group_key`
    (a breakdown whose groups partition everyone), for each column."""
    groups: dict[Any, list[int]] = {}
    for i, row in enumerate(rows[1:], start=1):
        groups.setdefault(row[group_key], []).append(i)
    return [
        Sum(total=(0, column), parts=tuple((i, column) for i in members))
        for members in groups.values()
        for column in columns
    ]


def _label(value: str) -> str:
    return value.replace("_", " ").capitalize()


REOFFENDING_COLUMNS = [
    Column("breakdown", "Breakdown"),
    Column("group", "Group"),
    Column("cohort", "Cohort", "count"),
    Column("reoffenders", "Reoffenders", "count"),
    Column("binary_rate", "Binary rate (%)", "rate", ("cohort", "reoffenders")),
    Column("reoffences", "Reoffences", "count"),
    Column("frequency_per_offender", "Reoffences per offender", "ratio", ("cohort", "reoffences")),
    Column(
        "frequency_per_reoffender",
        "Reoffences per reoffender",
        "ratio",
        ("reoffenders", "reoffences"),
    ),
]


def _proven_reoffending(kpi: dict[str, Any]) -> Table:
    figures = [c.key for c in REOFFENDING_COLUMNS[2:]]
    rows = [{"breakdown": "All", "group": "All", **{k: kpi[k] for k in figures}}]
    for breakdown in BREAKDOWN_LABELS:
        groups = kpi["breakdowns"].get(breakdown, {})
        for group, counts in _in_order(groups, GROUP_ORDER.get(breakdown, ())):
            rows.append(
                {
                    "breakdown": BREAKDOWN_LABELS.get(breakdown, breakdown),
                    "group": group.upper()
                    if breakdown == "cohort_membership" and group != "none"
                    else _label(group),
                    **{k: counts[k] for k in figures},
                }
            )
    notes = [
        "Each person once, at their earliest index event in the period; reoffences are "
        "proven offences within 12 months, proven within 18 months.",
        "Final figures." if kpi["final"] else "Not final: the 18-month waiting period is open.",
    ]
    # Each breakdown's groups partition the cohort (every person has one age
    # group, one gender…), so each adds up to the All row, column by column.
    sums = _group_sums(rows, "breakdown", ["cohort", "reoffenders", "reoffences"])
    return Table("proven_reoffending", "Proven reoffending", REOFFENDING_COLUMNS, rows, notes, sums)


def _cohort_offending(kpi: dict[str, Any], cohort: str) -> Table:
    columns = [
        Column("cohort", "People in cohort", "count"),
        Column("baseline_offences", "Offences in the 12 months before", "count"),
        Column("followup_offences", "Offences in the 12 months after", "count"),
        Column("change_percent", "Change (%)", "rate", ("baseline_offences", "followup_offences")),
        Column("followup_offenders", "People offending after", "count"),
    ]
    notes = [
        f"People in the {cohort.upper()} cohort on the first day of the period.",
        "Final figures." if kpi["final"] else "Not final: outcomes may still be recorded.",
    ]
    title = f"{cohort.upper()} cohort offending"
    return Table("cohort_offending", title, columns, [dict(kpi)], notes)


def _end_of_supervision(ni143: dict[str, Any], ni144: dict[str, Any]) -> Table:
    columns = [
        Column("indicator", "Indicator"),
        Column("numerator", "Numerator", "count"),
        Column("denominator", "Denominator", "count"),
        Column("excluded", "Excluded (status not known)", "count"),
        Column("rate", "Rate (%)", "rate", ("numerator", "denominator")),
    ]
    rows = [
        {"indicator": "NI 143 settled accommodation", **ni143},
        {"indicator": "NI 144 employment", **ni144},
    ]
    notes = ["Supervised licences, PSS, community orders and SSOs ending in the period."]
    return Table("end_of_supervision", "At the end of supervision", columns, rows, notes)


def _ni18(kpi: dict[str, Any]) -> Table:
    columns = [
        Column("cohort", "Adults on the caseload", "count"),
        Column("reoffenders", "Reoffenders", "count"),
        Column("actual_rate", "Actual rate (%)", "rate", ("cohort", "reoffenders")),
        Column("predicted_rate", "Predicted rate (%)", "rate", ("cohort",)),
        Column("difference_percent", "Difference (%)", "rate", ("cohort", "reoffenders")),
        Column("excluded_no_prediction", "Left out: no prediction", "count"),
    ]
    notes = [
        "Caseload on the day before the period; proven reoffending in the period.",
        "Final figures." if kpi["final"] else "Not final: the 6-month waiting period is open.",
    ]
    return Table("ni18", "NI 18 reoffending against prediction", columns, [dict(kpi)], notes)


def _iom_impact(kpi: dict[str, Any], cohort: str) -> Table:
    columns = [
        Column("phase", "Phase"),
        Column("memberships", "Memberships", "count"),
        Column("offences", "Proven offences", "count"),
        Column("cost", "Cost of crime (£)", "money", ("offences",)),
    ]
    rows = [
        {
            "phase": phase.capitalize(),
            "memberships": kpi["after_cohort"] if phase == "after" else kpi["memberships"],
            "offences": kpi[f"{phase}_offences"],
            "cost": kpi[f"{phase}_cost"],
        }
        for phase in ("before", "during", "after")
    ]
    notes = [
        "Before: 12 months before joining. During: while in the cohort. After: 12 months "
        "after leaving, only for memberships whose 12 months have passed.",
    ]
    table = kpi.get("cost_table")
    if table:
        notes.append(f"Costs: {table['name']} unit costs, {table['price_year']} prices.")
        if table["uncosted_categories"]:
            uncosted = ", ".join(_label(c).lower() for c in table["uncosted_categories"])
            notes.append(f"Not costed (counted as £0): {uncosted}.")
    else:
        notes.append("No unit cost table is loaded, so costs are not shown.")
    title = f"{cohort.upper()} offending before, during and after"
    return Table("iom_impact", title, columns, rows, notes)


def _profile(profile: dict[str, Any]) -> Table:
    columns = [
        Column("characteristic", "Characteristic"),
        Column("group", "Group"),
        Column("people", "People", "count"),
    ]
    rows: list[dict[str, Any]] = [
        {"characteristic": "All", "group": "All", "people": profile["size"]}
    ]
    for key, label in PROFILE_LABELS.items():
        for group, count in _in_order(profile[key], GROUP_ORDER.get(key, ())):
            name = group.upper() if key == "also_in" else _label(group)
            rows.append({"characteristic": label, "group": name, "people": count})
    cohort = profile["cohort"].upper()
    notes = [f"People in the {cohort} cohort on the last day of the period. Age on that day."]
    # Gender, age band, ethnicity and BRAG each partition the cohort; "also in
    # another scheme" does not (someone may be in several, or none).
    partitions = [r for r in rows if r["characteristic"] != PROFILE_LABELS["also_in"]]
    sums = _group_sums(partitions, "characteristic", ["people"])
    return Table("cohort_profile", f"{cohort} cohort profile", columns, rows, notes, sums)


def _quarter(start: str) -> str:
    year, month = int(start[:4]), int(start[5:7])
    return f"{year} Q{(month - 1) // 3 + 1}"


def _trend(rows: list[dict[str, Any]]) -> Table:
    columns = [
        Column("quarter", "Quarter"),
        Column("reoffending_cohort", "Reoffending cohort", "count"),
        Column("reoffenders", "Reoffenders", "count"),
        Column("binary_rate", "Binary rate (%)", "rate", ("reoffending_cohort", "reoffenders")),
        Column("final", "Final"),
        Column(
            "cohort_change_percent",
            "Cohort offending change (%)",
            "rate",
            ("baseline_offences", "followup_offences"),
        ),
        Column("ni143_rate", "NI 143 (%)", "rate", ("ni143_numerator", "ni143_denominator")),
        Column("ni144_rate", "NI 144 (%)", "rate", ("ni144_numerator", "ni144_denominator")),
        Column("ni18_actual_rate", "NI 18 actual (%)", "rate", ("ni18_cohort", "ni18_reoffenders")),
        Column("ni18_predicted_rate", "NI 18 predicted (%)", "rate", ("ni18_cohort",)),
        *(
            Column(key, key, "count", hidden=True)
            for key in (
                "baseline_offences",
                "followup_offences",
                "ni143_numerator",
                "ni143_denominator",
                "ni144_numerator",
                "ni144_denominator",
                "ni18_cohort",
                "ni18_reoffenders",
            )
        ),
    ]
    table_rows = [
        {
            **row,
            "quarter": _quarter(row["start"]),
            "final": "yes" if row["reoffending_final"] else "not yet",
        }
        for row in rows
    ]
    notes = [
        "Headline figures for the eight calendar quarters up to the end of this period, "
        "all as known on the report's as-of date. Quarters whose proven reoffending "
        "waiting period is still open are not final.",
    ]
    return Table("trend", "Eight-quarter trend", columns, table_rows, notes)


ENFORCEMENT_LABELS = {
    "warning_letter": "Warning letters",
    "breach": "Breaches",
    "recall_requested": "Recalls requested",
    "recall": "Recalls",
    "arrest": "Arrests",
    "civil_order": "Civil orders",
}


def _compliance(section: dict[str, Any], cohort: str) -> Table:
    columns = [
        Column("measure", "Measure"),
        Column("number", "Number", "count"),
        Column("people", "People", "count"),
    ]
    rows: list[dict[str, Any]] = [
        {"measure": "People in the cohort in the period", "number": section["people"]},
        {"measure": "Appointments attended", "number": section["attended"]},
        {"measure": "Missed (acceptable)", "number": section["missed_acceptable"]},
        {
            "measure": "Missed (unacceptable)",
            "number": section["missed_unacceptable"],
            "people": section["people_missing_unacceptably"],
        },
    ]
    for kind, counts in _in_order(section["enforcement"], tuple(ENFORCEMENT_LABELS)):
        rows.append(
            {
                "measure": ENFORCEMENT_LABELS.get(kind, _label(kind)),
                "number": counts["actions"],
                "people": counts["people"],
            }
        )
    notes = [
        f"Appointments, visits and drug tests, and enforcement actions, in the period for "
        f"people in the {cohort.upper()} cohort at any time in it."
    ]
    return Table("compliance", "Compliance and enforcement", columns, rows, notes)


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _disproportionality(rows: list[dict[str, Any]], cohort: str) -> Table:
    totals = {k: sum(r[k] for r in rows) for k in ("recorded", "selected", "in_cohort", "enforced")}
    columns = [
        Column("ethnicity", "Ethnicity"),
        Column("recorded", "People recorded", "count"),
        Column("recorded_share", "% of recorded", "rate", ("recorded",)),
        Column("selected", f"Selected into {cohort.upper()}", "count"),
        Column("selected_share", "% of selected", "rate", ("selected",)),
        Column("in_cohort", "In the cohort", "count"),
        Column("cohort_share", "% of cohort", "rate", ("in_cohort",)),
        Column("enforced", "Breach, recall or arrest", "count"),
        Column("enforced_share", "% of enforced", "rate", ("enforced",)),
        Column("enforced_rate", "% of group enforced", "rate", ("enforced", "in_cohort")),
    ]
    table_rows = [
        {
            **row,
            "ethnicity": row["ethnicity"] if row["ethnicity"] != "not recorded" else "Not recorded",
            "recorded_share": _share(row["recorded"], totals["recorded"]),
            "selected_share": _share(row["selected"], totals["selected"]),
            "cohort_share": _share(row["in_cohort"], totals["in_cohort"]),
            "enforced_share": _share(row["enforced"], totals["enforced"]),
            "enforced_rate": _share(row["enforced"], row["in_cohort"]),
        }
        for row in rows
    ]
    notes = [
        "Selection is set against everyone recorded; enforcement against the cohort's "
        "make-up. A group's share of those enforced against well above its share of the "
        "cohort is a question for the partnership, not a finding.",
    ]
    # No total row, but each shown share gives its column's total away
    # (count / share), so each column sums to a known total.
    sums = [
        Sum(total=None, parts=tuple((i, key) for i in range(len(table_rows))))
        for key in ("recorded", "selected", "in_cohort", "enforced")
    ]
    return Table(
        "disproportionality", "Disproportionality by ethnicity", columns, table_rows, notes, sums
    )


def _panels(rows: list[dict[str, Any]]) -> Table:
    columns = [
        Column("panel", "Panel"),
        Column("held", "Meetings held", "count"),
        Column("quorate", "Quorate", "count"),
        Column("cancelled", "Cancelled", "count"),
        Column("due", "Actions due", "count"),
        Column("on_time", "Done on time", "count"),
        Column("on_time_rate", "Done on time (%)", "rate", ("due", "on_time")),
        Column("late", "Done late", "count"),
        Column("not_done", "Not done or not possible", "count"),
        Column("open", "Still open", "count"),
    ]
    table_rows = [{**row, "on_time_rate": _share(row["on_time"], row["due"])} for row in rows]
    notes = [
        "Meetings dated in the period; quorate means at least the panel's quorum of member "
        "agencies present. Actions due in the period, by how they ended."
    ]
    # Actions due = done on time + done late + not done or not possible + open.
    sums = [
        Sum(
            total=(i, "due"),
            parts=((i, "on_time"), (i, "late"), (i, "not_done"), (i, "open")),
        )
        for i in range(len(table_rows))
    ]
    return Table("panels", "Panel activity", columns, table_rows, notes, sums)


def _pathways(rows: list[dict[str, Any]], cohort: str) -> Table:
    columns = [
        Column("pathway", "Pathway"),
        Column("identified", "Needs identified", "count"),
        Column("met", "Met", "count"),
        Column("open", "Still open", "count"),
        Column("declined", "Declined", "count"),
        Column("sent", "Referrals sent", "count"),
        Column("completed", "Referrals completed", "count"),
        Column("rejected", "Referrals rejected", "count"),
    ]
    notes = [
        f"People in the {cohort.upper()} cohort during the period. Needs identified in the "
        "period, with their status now; referrals sent, completed or rejected in the period."
    ]
    # Needs identified = met + still open + declined.
    sums = [
        Sum(total=(i, "identified"), parts=((i, "met"), (i, "open"), (i, "declined")))
        for i in range(len(rows))
    ]
    return Table("pathways", "Pathway needs and referrals", columns, rows, notes, sums)


def about_table(run_parameters: dict[str, Any], kpis: dict[str, Any]) -> Table:
    columns = [Column("item", "Item"), Column("value", "Value")]
    cost_table = kpis["iom_impact"].get("cost_table")
    rows = [
        {"item": "Marking", "value": "OFFICIAL-SENSITIVE"},
        {"item": "Period start", "value": kpis["period"]["start"]},
        {"item": "Period end", "value": kpis["period"]["end"]},
        {"item": "Data as of", "value": kpis["as_of"]},
        {"item": "Cohort", "value": str(run_parameters.get("cohort", "iom")).upper()},
        {"item": "KPI definition version", "value": kpis["definition_version"]},
        {
            "item": "Unit cost table",
            "value": f"{cost_table['name']} ({cost_table['price_year']} prices)"
            if cost_table
            else "none",
        },
    ]
    return Table("about", "About this report", columns, rows)


def report_tables(
    results: dict[str, Any], parameters: dict[str, Any], *, publication: bool = False
) -> list[Table]:
    """Every table of a run's report, in report order."""
    kpis = results["kpis"]
    cohort = str(parameters.get("cohort", "iom"))
    # Sections added after the first runs are skipped for older runs' results.
    tables = [
        _proven_reoffending(kpis["proven_reoffending"]),
        _cohort_offending(kpis["cohort_offending"], cohort),
        _end_of_supervision(kpis["ni143"], kpis["ni144"]),
        _ni18(kpis["ni18"]),
        _iom_impact(kpis["iom_impact"], cohort),
    ]
    if "trend" in results:
        tables.append(_trend(results["trend"]))
    tables.append(_profile(results["profile"]))
    if "compliance" in results:
        tables.append(_compliance(results["compliance"], cohort))
    if "disproportionality" in results:
        tables.append(_disproportionality(results["disproportionality"], cohort))
    if "pathways" in results:
        tables.append(_pathways(results["pathways"], cohort))
    if "panels" in results:
        tables.append(_panels(results["panels"]))
    if publication:
        tables = [_suppress(t) for t in tables]
    about = about_table(parameters, kpis)
    if publication:
        about.rows.append(
            {"item": "Edition", "value": "for publication (small numbers suppressed)"}
        )
    return [about, *tables]
