"""Seeded random draws shared by the benchmark data generators."""

from __future__ import annotations

import random
from collections.abc import Callable
from itertools import accumulate


def weighted(rng: random.Random, table: list[tuple[str, float]]) -> Callable[[], str]:
    """A function drawing one value of `table` ((value, weight) pairs) at a time,
    in proportion to its weight. Cumulative weights are worked out once, so a
    draw from a long table (thousands of surnames) stays a binary search."""
    values = [value for value, _ in table]
    cumulative = list(accumulate(weight for _, weight in table))
    return lambda: rng.choices(values, cum_weights=cumulative, k=1)[0]
