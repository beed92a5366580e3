"""Every write in reporting. Keyword-only, atomic, audited."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction

from offenders.models import OffenceCategory
from rrcase.audit.models import Action
from rrcase.audit.services import audit_record

from .models import UnitCost, UnitCostTable


@transaction.atomic
def unit_cost_table_make_default(*, table: UnitCostTable, by: User | None) -> UnitCostTable:
    """Reports use this table from now on. Earlier report runs keep the name and
    price year of the table they used."""
    UnitCostTable.objects.select_for_update().filter(is_default=True).exclude(pk=table.pk).update(
        is_default=False
    )
    UnitCostTable.objects.filter(pk=table.pk).update(is_default=True)
    table.refresh_from_db()
    audit_record(
        action=Action.ALTER,
        actor=by,
        obj=table,
        details={"is_default": True, "name": table.name, "price_year": table.price_year},
    )
    return table


@transaction.atomic
def unit_cost_table_load(
    *,
    name: str,
    price_year: int,
    source: str,
    costs: Mapping[str, Decimal],
    by: User | None,
    make_default: bool = False,
) -> UnitCostTable:
    """A new unit cost table, all in one price year. Categories not in `costs`
    are uncosted (reports list them). Refuses unknown categories and negative
    costs, and a name already in use."""
    unknown = sorted(set(costs) - set(OffenceCategory.values))
    if unknown:
        raise ValueError(f"Unknown offence categories: {', '.join(unknown)}.")
    negative = sorted(category for category, cost in costs.items() if cost < 0)
    if negative:
        raise ValueError(f"Costs cannot be negative: {', '.join(negative)}.")
    if UnitCostTable.objects.filter(name=name).exists():
        raise ValueError(f"There is already a unit cost table called {name!r}.")
    table = UnitCostTable.objects.create(name=name, price_year=price_year, source=source)
    UnitCost.objects.bulk_create(
        UnitCost(table=table, category=category, cost=cost) for category, cost in costs.items()
    )
    audit_record(
        action=Action.COLLECT,
        actor=by,
        obj=table,
        details={"name": name, "price_year": price_year, "categories": sorted(costs)},
    )
    if make_default:
        table = unit_cost_table_make_default(table=table, by=by)
    return table
