"""Pagination for lists that can be very long (everyone an agency can see,
the audit trail). An exact total of 200,000 rows costs a scan of all of them
on every page view, yet tells the reader nothing a "more than 1,000" does not:
nobody pages that far, they search or filter. So the count stops at a cap,
and the cost of a page stays the same however large the data grows."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

COUNT_CAP = 1_000


class CappedPaginator(Paginator):
    """A Paginator whose count stops at `cap`; `more` says the list goes on.
    Pages beyond the cap are not offered (get_page clamps to the last one)."""

    def __init__(self, object_list: Any, per_page: int, cap: int | None = None) -> None:
        super().__init__(object_list, per_page)
        self.cap = cap or COUNT_CAP

    @cached_property
    def _capped_count(self) -> int:
        rows = self.object_list
        if isinstance(rows, QuerySet):
            # Order and joined columns do not change a count; dropping them
            # lets PostgreSQL stop at the first cap + 1 rows it finds instead
            # of sorting them all.
            return rows.order_by().values("pk")[: self.cap + 1].count()
        return min(len(rows), self.cap + 1)

    @cached_property
    def count(self) -> int:
        return min(self._capped_count, self.cap)

    @property
    def more(self) -> bool:
        return self._capped_count > self.cap


def page_links(page: Page) -> list[int | None]:
    """Page numbers for GOV.UK pagination: first, last, and two either side
    of the current page; None where pages are skipped (an ellipsis)."""
    total = page.paginator.num_pages
    wanted = {1, total, *range(page.number - 2, page.number + 3)}
    numbers = sorted(n for n in wanted if 1 <= n <= total)
    links: list[int | None] = []
    for n in numbers:
        if links and links[-1] is not None and n - links[-1] > 1:
            links.append(None)
        links.append(n)
    return links
