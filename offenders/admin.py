"""Admin for offenders' reference data. People are changed through the pages
and services (audited), never the admin."""

from django.contrib import admin

from .models import SelectionMatrix, SelectionWeight


class SelectionWeightInline(admin.TabularInline):
    model = SelectionWeight
    extra = 1


@admin.register(SelectionMatrix)
class SelectionMatrixAdmin(admin.ModelAdmin):
    list_display = ["cohort", "look_back_months", "threshold", "count_pending", "updated_at"]
    inlines = [SelectionWeightInline]
