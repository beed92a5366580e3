"""Unit costs of crime as reference data (DOMAIN.md "iom_impact")."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from reporting import services
from reporting.models import UnitCostTable
from rrcase.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_the_home_office_table_ships_as_the_default():
    table = UnitCostTable.objects.get(is_default=True)
    assert (table.name, table.price_year) == ("Home Office 2003/04", 2003)
    assert "30/05" in table.source


def test_load_a_table_and_make_it_the_default(tmp_path):
    file = tmp_path / "costs.csv"
    file.write_text("category,cost\nhomicide,3217740\nrobbery,11320.50\n", encoding="utf-8")
    call_command(
        "load_unit_costs",
        str(file),
        "--name",
        "Home Office 2015/16",
        "--price-year",
        "2016",
        "--source",
        "HO Research Report 99",
        "--make-default",
    )
    table = UnitCostTable.objects.get(is_default=True)
    assert table.name == "Home Office 2015/16"
    assert table.costs.get(category="robbery").cost == Decimal("11320.50")
    assert UnitCostTable.objects.filter(is_default=True).count() == 1
    assert AuditEvent.objects.filter(object_type="reporting.unitcosttable").count() == 2


def test_unknown_categories_and_negative_costs_are_refused():
    with pytest.raises(ValueError, match="Unknown offence categories: gang"):
        services.unit_cost_table_load(
            name="x", price_year=2020, source="s", costs={"gang": Decimal(1)}, by=None
        )
    with pytest.raises(ValueError, match="negative"):
        services.unit_cost_table_load(
            name="x", price_year=2020, source="s", costs={"robbery": Decimal(-1)}, by=None
        )


def test_bad_csv_names_the_line(tmp_path):
    file = tmp_path / "costs.csv"
    file.write_text("category,cost\nrobbery,lots\n", encoding="utf-8")
    with pytest.raises(CommandError, match="Line 2"):
        call_command(
            "load_unit_costs", str(file), "--name", "n", "--price-year", "2020", "--source", "s"
        )
