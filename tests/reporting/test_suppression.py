"""Small-number suppression in the edition for publication (docs/kpis.md
"Publication"): counts from 1 to 4 are `[c]`, and no `[c]` can be worked
back by subtraction from the totals in the same table (#13)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reporting.suppression import Sum, recoverable, suppress
from reporting.tables import SUPPRESSED

# --- An attacker who works back by subtraction ----------------------------------


def worked_back(rows: list[dict[str, Any]], sums: list[Sum], hidden: set) -> set:
    """What a reader can work out with subtraction alone, written apart from
    the code under test: any sum with one unknown cell gives that cell away
    (total minus the parts shown, or parts added up); a cell worked out is
    then known for the other sums too, until nothing more follows."""
    unknown = set(hidden)
    found = set()
    progress = True
    while progress:
        progress = False
        for s in sums:
            cells = ([s.total] if s.total else []) + list(s.parts)
            missing = [c for c in cells if c in unknown]
            if len(missing) == 1:
                unknown.discard(missing[0])
                found.add(missing[0])
                progress = True
    return found


def test_gender_47_43_0_0_does_not_leave_female_4_derivable():
    rows = [
        {"characteristic": "All", "group": "All", "people": 47},
        {"characteristic": "Gender", "group": "Male", "people": 43},
        {"characteristic": "Gender", "group": "Female", "people": 4},
        {"characteristic": "Gender", "group": "Other", "people": 0},
        {"characteristic": "Gender", "group": "Unknown", "people": 0},
    ]
    sums = [
        Sum(total=(0, "people"), parts=((1, "people"), (2, "people"), (3, "people"), (4, "people")))
    ]
    hidden = suppress(rows, ["people"], sums)
    assert (2, "people") in hidden  # Female 4: primary
    # Zeros would hide nothing (0 is the obvious guess), so Male goes too.
    assert hidden == {(2, "people"), (1, "people")}
    assert not worked_back(rows, sums, hidden)


def test_reoffenders_12_minus_11_does_not_give_1_away():
    table = _reoffending_table(
        all_={"cohort": 60, "reoffenders": 12, "reoffences": 30},
        age={"adult": (55, 11, 28), "juvenile": (5, 1, 2)},
    )
    shown = {row["group"]: row for row in table.rows}
    assert shown["Juvenile"]["reoffenders"] == SUPPRESSED  # 1: primary
    assert shown["Adult"]["reoffenders"] == SUPPRESSED  # 11: else 12 - 11 = 1
    assert shown["All"]["reoffenders"] == 12
    # Rates built on a suppressed count go too, or they would give it away.
    assert shown["Adult"]["binary_rate"] == SUPPRESSED
    assert shown["Adult"]["frequency_per_reoffender"] == SUPPRESSED
    # Reoffences 2 for juveniles: primary; adults' 28 goes with it.
    assert (shown["Juvenile"]["reoffences"], shown["Adult"]["reoffences"]) == ("[c]", "[c]")
    # Cohort 5 for juveniles is not small: both stay.
    assert (shown["Juvenile"]["cohort"], shown["Adult"]["cohort"]) == (5, 55)
    assert SUPPRESSED in " ".join(table.notes)


def _reoffending_table(all_: dict[str, int], age: dict[str, tuple[int, int, int]]):
    from reporting.tables import _proven_reoffending, _suppress

    def figures(cohort: int, reoffenders: int, reoffences: int) -> dict[str, Any]:
        return {
            "cohort": cohort,
            "reoffenders": reoffenders,
            "reoffences": reoffences,
            "binary_rate": round(100 * reoffenders / cohort, 1),
            "frequency_per_offender": round(reoffences / cohort, 2),
            "frequency_per_reoffender": round(reoffences / reoffenders, 2),
        }

    kpi = {
        **figures(all_["cohort"], all_["reoffenders"], all_["reoffences"]),
        "breakdowns": {"age_group": {group: figures(*v) for group, v in age.items()}},
        "final": True,
    }
    return _suppress(_proven_reoffending(kpi))


def test_every_published_table_with_totals_keeps_them_safe():
    """The report's tables that add up (profile, panels, pathways,
    disproportionality) each get their sums, and are suppressed by them."""
    from reporting.tables import _disproportionality, _panels, _pathways, _profile, _suppress

    profile = _profile(
        {
            "cohort": "iom",
            "size": 20,
            "gender": {"male": 17, "female": 3},
            "age_band": {"18-24": 2, "25-34": 18},
            "ethnicity": {"White": 19, "Asian": 1},
            "brag": {"red": 20},
            "also_in": {"ppo": 2},
        }
    )
    panels = _panels(
        [{"panel": "IOM", "held": 3, "quorate": 3, "cancelled": 0, "due": 20,
          "on_time": 15, "late": 2, "not_done": 0, "open": 3}]
    )  # fmt: skip
    pathways = _pathways(
        [{"pathway": "Accommodation", "identified": 30, "met": 25, "open": 4, "declined": 1,
          "sent": 10, "completed": 6, "rejected": 1}],
        "iom",
    )  # fmt: skip
    disproportionality = _disproportionality(
        [
            {"ethnicity": "A", "recorded": 40, "selected": 9, "in_cohort": 20, "enforced": 6},
            {"ethnicity": "B", "recorded": 30, "selected": 3, "in_cohort": 12, "enforced": 7},
            {"ethnicity": "C", "recorded": 20, "selected": 8, "in_cohort": 15, "enforced": 9},
        ],
        "iom",
    )
    for table in (profile, panels, pathways, disproportionality):
        assert table.sums, table.slug
        safe = _suppress(table)
        hidden = {
            (i, key) for i, row in enumerate(safe.rows) for key, v in row.items() if v == "[c]"
        }
        assert hidden, table.slug
        assert not worked_back(table.rows, table.sums, hidden), table.slug
    # Profile: female 3 and male 17 both hidden; "also in" is no partition and
    # its small count is hidden on its own.
    shown = _suppress(profile).rows
    assert [r["people"] for r in shown if r["characteristic"] == "Gender"] == ["[c]", "[c]"]
    # Panels: 2 late and 3 open are both primary; the rest stays.
    row = _suppress(panels).rows[0]
    assert (row["due"], row["on_time"], row["late"], row["open"]) == (20, 15, "[c]", "[c]")
    # Pathways: open 4 and declined 1 are both primary; met 25 stays.
    row = _suppress(pathways).rows[0]
    assert (row["met"], row["open"], row["declined"]) == (25, "[c]", "[c]")
    # Disproportionality: B's 3 selected, with its share; shares give the
    # column total away, so the next smallest (C's 8) goes with its share.
    rows = _suppress(disproportionality).rows
    assert [r["selected"] for r in rows] == [9, "[c]", "[c]"]
    assert [r["selected_share"] for r in rows][1:] == ["[c]", "[c]"]


def test_one_per_sum_is_not_enough_when_sums_cross_and_the_check_catches_it():
    """A two-way table with margins: every row and column has two [c]s, yet
    the cell joining two blocks follows from the sums together (rows 1-2
    minus columns 1-2). The exact check suppresses more until it does not."""
    values = [
        [1, 2, 9, 10],
        [3, 4, 1, 11],
        [12, 13, 2, 3],
        [14, 15, 4, 1],
    ]
    rows, sums = _two_way(values)
    hidden = suppress(rows, [f"c{j}" for j in range(5)], sums)
    assert not recoverable(rows, sums, hidden)
    assert not worked_back(rows, sums, hidden)
    for s in sums:
        assert sum(c in hidden for c in s.cells) != 1


# --- Property: random small tables ----------------------------------------------


def _two_way(values: list[list[int]]) -> tuple[list[dict[str, Any]], list[Sum]]:
    """Rows with a total column, and a total row: every row and column sums."""
    n_cols = len(values[0])
    body = [
        dict({f"c{j}": v for j, v in enumerate(row)}, **{f"c{n_cols}": sum(row)}) for row in values
    ]
    totals = {f"c{j}": sum(r[f"c{j}"] for r in body) for j in range(n_cols + 1)}
    rows = [*body, totals]
    total_row = len(body)
    sums = [
        Sum(total=(i, f"c{n_cols}"), parts=tuple((i, f"c{j}") for j in range(n_cols)))
        for i in range(len(rows))
    ] + [
        Sum(total=(total_row, f"c{j}"), parts=tuple((i, f"c{j}") for i in range(len(body))))
        for j in range(n_cols + 1)
    ]
    return rows, sums


def _breakdowns(total_groups: list[list[int]]) -> tuple[list[dict[str, Any]], list[Sum]]:
    """An All row and several breakdowns of it (as proven reoffending has):
    each breakdown's groups add up to All. Groups are rescaled to one total."""
    total = sum(total_groups[0])
    rows: list[dict[str, Any]] = [{"n": total}]
    sums = []
    for groups in total_groups:
        # Make every breakdown add up to the same All: the last group takes the rest.
        fixed = [*groups[:-1], 0]
        fixed[-1] = total - sum(fixed[:-1])
        if fixed[-1] < 0:
            fixed = [total] + [0] * (len(groups) - 1)
        start = len(rows)
        rows += [{"n": v} for v in fixed]
        sums.append(Sum(total=(0, "n"), parts=tuple((i, "n") for i in range(start, len(rows)))))
    return rows, sums


small = st.integers(min_value=0, max_value=12)


@settings(max_examples=150, derandomize=True, database=None, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
@given(
    st.integers(min_value=2, max_value=4).flatmap(
        lambda n: st.lists(st.lists(small, min_size=n, max_size=n), min_size=2, max_size=4)
    )
)
def test_no_suppressed_cell_of_a_two_way_table_can_be_worked_back(values):
    rows, sums = _two_way(values)
    keys = list(rows[0])
    hidden = suppress(rows, keys, sums)
    for i, row in enumerate(rows):
        for key in keys:
            if 1 <= row[key] <= 4:
                assert (i, key) in hidden  # every small count is suppressed
    assert not worked_back(rows, sums, hidden)
    assert not recoverable(rows, sums, hidden)
    for s in sums:  # no row, column or total with exactly one [c]
        assert sum(c in hidden for c in s.cells) != 1


@settings(max_examples=150, derandomize=True, database=None, deadline=None)
@given(st.lists(st.lists(small, min_size=2, max_size=5), min_size=1, max_size=4))
def test_no_suppressed_cell_of_a_table_with_breakdowns_can_be_worked_back(groups):
    rows, sums = _breakdowns(groups)
    hidden = suppress(rows, ["n"], sums)
    for i, row in enumerate(rows):
        if 1 <= row["n"] <= 4:
            assert (i, "n") in hidden
    assert not worked_back(rows, sums, hidden)
    assert not recoverable(rows, sums, hidden)


@settings(max_examples=100, derandomize=True, database=None, deadline=None)
@given(st.lists(small, min_size=2, max_size=6))
def test_a_column_whose_total_is_known_elsewhere(values):
    """Disproportionality: no total row, but the shares give it away."""
    rows = [{"n": v} for v in values]
    sums = [Sum(total=None, parts=tuple((i, "n") for i in range(len(rows))))]
    hidden = suppress(rows, ["n"], sums)
    if any(1 <= v <= 4 for v in values):
        assert len(hidden) >= 2
    assert not worked_back(rows, sums, hidden)
