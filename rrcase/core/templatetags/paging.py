"""`{{ page|page_links }}`: the page numbers the GOV.UK pagination shows
(templates/includes/pagination.html)."""

from __future__ import annotations

from django import template
from django.core.paginator import Page

from rrcase.core import pagination

register = template.Library()


@register.filter
def page_links(page: Page) -> list[int | None]:
    return pagination.page_links(page)
