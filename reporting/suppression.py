"""Small-number suppression for the edition for publication (docs/kpis.md
"Publication"), following the Government Statistical Service's disclosure
control guidance for tables from administrative sources, as the Ministry of
Justice applies it to its own statistics:

- primary: a count from 1 to 4 is shown as `[c]`;
- secondary: where a table shows how counts add up (a total and its parts), a
  `[c]` that could be worked back by subtraction is protected by suppressing
  another count in the same sum: the smallest non-zero one that is shown (a
  zero hides little: zero is what a reader would guess for an empty
  category), a zero only where nothing else is left, and the total last;
  repeated until no sum has exactly one suppressed cell;
- then checked exactly, not only sum by sum: a suppressed value must not be
  determined by all the table's sums taken together (linear algebra over the
  shown values), and any that is gets another neighbour suppressed.

A cell is (row index, column key). A `Sum` says total = sum of parts; a sum
whose total is published elsewhere or can be derived (a column of shares
reveals its column's total) has `total=None`: its total counts as known.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

SMALL = range(1, 5)  # 1 to 4: the primary suppression threshold

Cell = tuple[int, str]


@dataclass(frozen=True)
class Sum:
    total: Cell | None
    parts: tuple[Cell, ...]

    @property
    def cells(self) -> tuple[Cell, ...]:
        return self.parts if self.total is None else (self.total, *self.parts)


def _value(rows: Sequence[dict[str, Any]], cell: Cell) -> Any:
    row, key = cell
    return rows[row].get(key)


def _usable(rows: Sequence[dict[str, Any]], sums: Iterable[Sum]) -> list[Sum]:
    """Sums whose every cell holds a count (a missing figure breaks the sum)."""
    return [s for s in sums if all(isinstance(_value(rows, c), int) for c in s.cells) and s.parts]


def _next_to_suppress(rows: Sequence[dict[str, Any]], sum_: Sum, hidden: set[Cell]) -> Cell | None:
    """The cell of `sum_` to suppress next: smallest non-zero part shown, then
    a zero part, then the total."""
    shown = [c for c in sum_.parts if c not in hidden]
    non_zero = [c for c in shown if _value(rows, c) != 0]
    for candidates in (non_zero, shown):
        if candidates:
            return min(candidates, key=lambda c: (_value(rows, c), sum_.parts.index(c)))
    if sum_.total is not None and sum_.total not in hidden:
        return sum_.total
    return None


def _row_space(vectors: list[dict[Cell, Fraction]]) -> list[tuple[Cell, dict[Cell, Fraction]]]:
    """A reduced basis of the vectors' span: (pivot cell, vector) pairs, each
    pivot absent from every other basis vector."""
    basis: list[tuple[Cell, dict[Cell, Fraction]]] = []
    for vector in vectors:
        v = _reduce(dict(vector), basis)
        if not v:
            continue
        pivot = min(v)
        scale = v[pivot]
        v = {k: x / scale for k, x in v.items()}
        reduced = []
        for p, b in basis:
            if pivot in b:
                factor = b[pivot]
                b = {k: b.get(k, Fraction(0)) - factor * v.get(k, Fraction(0)) for k in b | v}
                b = {k: x for k, x in b.items() if x != 0}
            reduced.append((p, b))
        basis = [*reduced, (pivot, v)]
    return basis


def _reduce(
    vector: dict[Cell, Fraction], basis: list[tuple[Cell, dict[Cell, Fraction]]]
) -> dict[Cell, Fraction]:
    for pivot, b in basis:
        factor = vector.get(pivot)
        if factor:
            for k, x in b.items():
                vector[k] = vector.get(k, Fraction(0)) - factor * x
            vector = {k: x for k, x in vector.items() if x != 0}
    return vector


def recoverable(
    rows: Sequence[dict[str, Any]], sums: Iterable[Sum], hidden: set[Cell]
) -> set[Cell]:
    """Suppressed cells whose value follows from the shown cells and the sums:
    those whose unit vector lies in the span of the sums' equations over the
    suppressed cells (every shown value moved to the known side)."""
    equations = []
    for s in _usable(rows, sums):
        equation = {c: Fraction(1) for c in s.parts if c in hidden}
        if s.total is not None and s.total in hidden:
            equation[s.total] = Fraction(-1)
        if equation:
            equations.append(equation)
    basis = _row_space(equations)
    return {cell for cell in hidden if not _reduce({cell: Fraction(1)}, basis)}


def suppress(
    rows: Sequence[dict[str, Any]], counts: Sequence[str], sums: Sequence[Sum]
) -> set[Cell]:
    """The cells to show as `[c]`: primary (counts 1 to 4 in the `counts`
    columns) and secondary (so none of them can be worked back from `sums`)."""
    hidden: set[Cell] = {
        (i, key)
        for i, row in enumerate(rows)
        for key in counts
        if isinstance(row.get(key), int) and row[key] in SMALL
    }
    usable = _usable(rows, sums)
    while True:
        # Sum by sum: no sum may have exactly one suppressed cell.
        changed = True
        while changed:
            changed = False
            for s in usable:
                if sum(c in hidden for c in s.cells) == 1:
                    cell = _next_to_suppress(rows, s, hidden)
                    if cell is not None:
                        hidden.add(cell)
                        changed = True
        # Then all sums together: a cell may still follow from several.
        exposed = sorted(recoverable(rows, usable, hidden))
        if not exposed:
            return hidden
        added = False
        for cell in exposed:
            for s in usable:
                if cell in s.cells:
                    extra = _next_to_suppress(rows, s, hidden)
                    if extra is not None:
                        hidden.add(extra)
                        added = True
                        break
            if added:
                break
        if not added:  # nothing left to suppress near it (a one-part sum)
            return hidden
