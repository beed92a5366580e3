"""Reference data for system admins: the pathways, their needs catalogue, and
the services directory. Records about people (needs, referrals, outcomes) are
not here: they change only through pathways/services.py, audited."""

from __future__ import annotations

from django.contrib import admin

from .models import NeedType, Pathway, Provider, Service


class NeedTypeInline(admin.TabularInline):
    model = NeedType
    extra = 1
    fields = ["code", "name", "position", "is_other", "is_active"]


@admin.register(Pathway)
class PathwayAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "position", "sensitivity", "is_active"]
    list_editable = ["position", "is_active"]
    inlines = [NeedTypeInline]


@admin.register(NeedType)
class NeedTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "pathway", "code", "is_other", "is_active"]
    list_filter = ["pathway", "is_active"]
    search_fields = ["name", "code"]


class ServiceInline(admin.StackedInline):
    model = Service
    extra = 0
    filter_horizontal = ["need_types"]


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ["name", "agency", "is_active"]
    list_filter = ["is_active", "agency"]
    search_fields = ["name"]
    inlines = [ServiceInline]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "provider", "pathway", "capacity", "response_target_hours", "is_active"]
    list_filter = ["pathway", "provider", "is_active"]
    search_fields = ["name", "provider__name"]
    filter_horizontal = ["need_types"]
