from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from . import services
from .models import UnitCost, UnitCostTable


class UnitCostInline(admin.TabularInline):
    model = UnitCost
    extra = 0
    fields = ["category", "cost", "note"]


@admin.register(UnitCostTable)
class UnitCostTableAdmin(admin.ModelAdmin):
    """Unit costs of crime. Load a table here (one price year per table) or
    with `manage.py load_unit_costs`; "Use as the default" switches reports to it."""

    list_display = ["name", "price_year", "is_default", "created_at"]
    fields = ["name", "price_year", "source", "is_default"]
    # The default changes only through the action, so there is always one.
    readonly_fields = ["is_default"]
    inlines = [UnitCostInline]
    actions = ["make_default"]

    @admin.action(description="Use as the default unit cost table")
    def make_default(self, request: HttpRequest, queryset: QuerySet[UnitCostTable]) -> None:
        if queryset.count() != 1:
            self.message_user(request, "Choose exactly one table.", messages.ERROR)
            return
        table = services.unit_cost_table_make_default(
            table=queryset.get(),
            by=request.user,  # type: ignore[arg-type]
        )
        self.message_user(request, f"Reports now use {table}.", messages.SUCCESS)
