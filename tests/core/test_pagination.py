"""The one GOV.UK pagination include (templates/includes/pagination.html),
used by the case list, cohort candidates, audit trail and reports list."""

from __future__ import annotations

import re

from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import RequestFactory


def render(number: int, query: str = "") -> str:
    request = RequestFactory().get(f"/cases/?{query}")
    page = Paginator(range(500), 25).get_page(number)  # 20 pages
    return render_to_string("includes/pagination.html", {"page": page}, request=request)


def numbers(html: str) -> list[str]:
    return [n or "…" for n in re.findall(r'aria-label="Page (\d+)"|&ctdot;', html)]


def test_first_last_and_two_either_side_with_ellipses():
    assert numbers(render(10)) == ["1", "…", "8", "9", "10", "11", "12", "…", "20"]
    assert numbers(render(1)) == ["1", "2", "3", "…", "20"]
    assert numbers(render(4)) == ["1", "2", "3", "4", "5", "6", "…", "20"]


def test_links_keep_the_lists_other_parameters():
    html = render(10, "tab=all&sort=brag&page=10")
    assert 'href="?tab=all&amp;sort=brag&amp;page=11" rel="next"' in html
    assert 'href="?tab=all&amp;sort=brag&amp;page=9" rel="prev"' in html
    current = 'href="?tab=all&amp;sort=brag&amp;page=10" aria-label="Page 10" aria-current="page"'
    assert current in html


def test_one_page_needs_no_pagination():
    request = RequestFactory().get("/cases/")
    page = Paginator(range(3), 25).get_page(1)
    assert "govuk-pagination" not in render_to_string(
        "includes/pagination.html", {"page": page}, request=request
    )
