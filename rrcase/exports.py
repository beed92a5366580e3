"""Helpers shared by every export (CSV, XLSX)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

# A spreadsheet treats a cell starting with one of these as a formula (CSV
# injection); SECURITY.md requires them escaped in every export.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe_value(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    if isinstance(value, dict | list):
        return spreadsheet_safe_value(str(value))
    return value


def spreadsheet_safe(row: Iterable[Any]) -> list[Any]:
    return [spreadsheet_safe_value(value) for value in row]
