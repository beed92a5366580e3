from django.contrib import admin

from .models import Agency, Membership, SharingRule


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "code"]
    readonly_fields = ["group"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "agency", "role", "job_title"]
    list_filter = ["agency", "role"]
    search_fields = ["user__username", "user__last_name"]


@admin.register(SharingRule)
class SharingRuleAdmin(admin.ModelAdmin):
    """The information sharing agreement: system admins edit it here."""

    list_display = ["sensitivity", "agency_kind", "note"]
    list_filter = ["sensitivity", "agency_kind"]
