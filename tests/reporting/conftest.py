from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from reporting.kpis import kpi_results


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The dashboard caches today's cohort counts; each test starts without."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def kpis(db):
    """Run the engine the way the `kpi` command does."""

    def _run(start: str, end: str, as_of: str, **options: Any) -> dict[str, Any]:
        return kpi_results(
            start=date.fromisoformat(start),
            end=date.fromisoformat(end),
            as_of=date.fromisoformat(as_of),
            **options,
        )

    return _run
