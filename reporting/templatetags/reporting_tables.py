from __future__ import annotations

from typing import Any

from django import template

from reporting.tables import Column, display

register = template.Library()


@register.filter
def cell(row: dict[str, Any], column: Column) -> str:
    """The formatted figure in `row` for `column`."""
    return display(row.get(column.key), column.kind)


@register.filter
def numeric(column: Column) -> bool:
    return column.kind != "text"


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key)
