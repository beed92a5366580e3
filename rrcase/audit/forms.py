from __future__ import annotations

from django import forms

from rrcase.access.models import Agency

from .models import Action


class AuditFilterForm(forms.Form):
    person_id = forms.IntegerField(label="Person record number", required=False, min_value=1)
    username = forms.CharField(label="Username", required=False, max_length=150)
    agency = forms.ModelChoiceField(
        label="Agency", queryset=Agency.objects.all(), required=False, empty_label="Any agency"
    )
    action = forms.ChoiceField(
        label="Action", choices=[("", "Any action"), *Action.choices], required=False
    )
    date_from = forms.DateField(
        label="From",
        required=False,
        help_text="For example, 2026-11-01",
        input_formats=["%Y-%m-%d"],
    )
    date_to = forms.DateField(
        label="To", required=False, help_text="For example, 2026-11-30", input_formats=["%Y-%m-%d"]
    )

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The end date must be the same as or after the start date")
        return cleaned

    def filters(self) -> dict[str, object]:
        data = self.cleaned_data
        return {
            "person_id": data.get("person_id"),
            "username": data.get("username") or "",
            "agency_id": data["agency"].pk if data.get("agency") else None,
            "action": data.get("action") or "",
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
        }
