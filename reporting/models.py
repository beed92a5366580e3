"""Reference data and records the reporting app keeps.

Unit costs of crime are reference data an administrator can replace
(DOMAIN.md "iom_impact"): a table has a name, a price year and a source, and a
cost per offence category. Categories a table has no row for are uncosted:
they count as 0 and reports list them. Costs are only ever summed within one
table, so two price years are never mixed.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from offenders.models import OffenceCategory


class UnitCostTable(models.Model):
    name = models.CharField(max_length=200, unique=True)
    price_year = models.PositiveSmallIntegerField(
        help_text="The year whose prices the costs are in, e.g. 2003"
    )
    source = models.TextField(help_text="Publication the figures come from")
    is_default = models.BooleanField(
        default=False, help_text="Used by reports unless another table is chosen"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_unit_costs"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.price_year} prices)"


class UnitCost(models.Model):
    table = models.ForeignKey(UnitCostTable, on_delete=models.CASCADE, related_name="costs")
    category = models.CharField(max_length=32, choices=OffenceCategory.choices)
    cost = models.DecimalField(
        "cost per offence (£)", max_digits=12, decimal_places=2, help_text="Pounds per offence"
    )
    note = models.CharField(
        max_length=200, blank=True, help_text="Which published figure this uses"
    )

    class Meta:
        ordering = ["table", "category"]
        constraints = [
            models.UniqueConstraint(fields=["table", "category"], name="unit_cost_key"),
            models.CheckConstraint(condition=Q(cost__gte=0), name="unit_cost_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: £{self.cost}"
