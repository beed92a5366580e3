"""System admins configure panel types here (member agencies, chairs,
cadence, quorum, cohorts, confidentiality) and the agenda rules' defaults.
Meetings, decisions and actions are recorded through the service's pages,
never edited here."""

from __future__ import annotations

from django.contrib import admin

from .models import AgendaRule, PanelType


class AgendaRuleInline(admin.TabularInline):
    model = AgendaRule
    extra = 0
    fields = ["kind", "enabled", "threshold_days"]


@admin.register(PanelType)
class PanelTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "cadence_text", "quorum", "confidentiality", "is_active"]
    list_filter = ["is_active", "confidentiality", "frequency"]
    search_fields = ["name", "code"]
    filter_horizontal = ["member_agencies", "chairs"]
    inlines = [AgendaRuleInline]
    fieldsets = [
        (None, {"fields": ["code", "name", "description", "is_active"]}),
        ("Membership", {"fields": ["member_agencies", "chairs", "quorum"]}),
        (
            "Cadence",
            {
                "fields": [
                    "frequency",
                    "weekday",
                    "week_of_month",
                    "cadence_starts_on",
                    "start_time",
                    "location",
                    "online_link",
                    "update_request_days",
                ]
            },
        ),
        (
            "Remit",
            {"fields": ["cohorts", "mappa_level", "confidentiality", "lead_priority"]},
        ),
    ]
