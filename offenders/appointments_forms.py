"""Forms for booking, moving, cancelling and closing appointments. They check
what a user typed and combine date and times; the rules (future only, custody,
officers, outcomes) are the services' (appointments_services), whose refusals
the views add to these forms' errors."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.db.models import QuerySet

from rrcase.access.models import Agency
from rrcase.core.forms import GovUKDateField
from rrcase.core.text import too_long

from .forms import DATE_HINT, _SharedRecordForm, _time
from .models import (
    APPOINTMENT_KIND_CHOICES,
    NOTES_MAX,
    REASON_MAX,
    AppointmentOutcome,
    DrugTestResult,
    Sensitivity,
)

TIME_HINT = "24-hour clock, for example 14:30"


class OfficerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.get_username()


class _SlotForm(forms.Form):
    """A date, a start time and an end time, combined in the current time zone
    as `starts_at` and `ends_at`."""

    starts_on = GovUKDateField(label="Date", help_text=DATE_HINT)
    start_time = forms.CharField(label="Start time", max_length=5, help_text=TIME_HINT)
    end_time = forms.CharField(label="End time", max_length=5, help_text=TIME_HINT)

    def clean(self) -> dict[str, Any]:
        from django.utils import timezone

        data = super().clean() or {}
        tz = timezone.get_current_timezone()
        times = {}
        for name, label in (("start_time", "start time"), ("end_time", "end time")):
            if data.get(name):
                try:
                    times[name] = _time(data[name], label)
                except forms.ValidationError as error:
                    self.add_error(name, error)
        day = data.get("starts_on")
        if day and len(times) == 2:
            data["starts_at"] = datetime.combine(day, times["start_time"], tzinfo=tz)
            data["ends_at"] = datetime.combine(day, times["end_time"], tzinfo=tz)
            if data["ends_at"] <= data["starts_at"]:
                self.add_error("end_time", "The end time must be after the start time")
            elif data["starts_at"] <= timezone.now():
                self.add_error(
                    "starts_on",
                    "The appointment must start in the future: to log something that has "
                    "happened, record a contact instead",
                )
        return data


class AppointmentForm(_SharedRecordForm, _SlotForm):
    kind = forms.ChoiceField(
        label="Type of appointment",
        choices=APPOINTMENT_KIND_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the type of appointment"},
    )
    place = forms.CharField(
        label="Place",
        max_length=200,
        help_text="For example, Northbridge Probation Office, room 2, or the home address",
        error_messages={"required": "Enter where the appointment is"},
    )
    officer = OfficerChoiceField(
        label="Officer", queryset=None, empty_label=None, help_text="Who will see the person"
    )
    joint_agency = forms.ModelChoiceField(
        label="Partner agency (joint home visits)",
        queryset=Agency.objects.none(),
        required=False,
        empty_label="Not a joint visit",
    )
    notes = forms.CharField(
        label="Notes (optional)",
        required=False,
        max_length=NOTES_MAX,
        error_messages={"max_length": too_long("Notes", NOTES_MAX)},
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    sensitivity = forms.ChoiceField(label="Who may see this", choices=Sensitivity.choices)
    # Set when the user has seen the clash warning and books anyway.
    clash_confirmed = forms.CharField(required=False, max_length=120, widget=forms.HiddenInput)

    field_order = [
        "kind", "starts_on", "start_time", "end_time", "place", "officer", "joint_agency",
        "notes", "sensitivity", "clash_confirmed",
    ]  # fmt: skip

    def __init__(
        self,
        *args: Any,
        officers: QuerySet[User],
        partner_agencies: QuerySet[Agency],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = officers  # type: ignore[attr-defined]
        self.fields["joint_agency"].queryset = partner_agencies  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("kind") == "joint_home_visit" and not data.get("joint_agency"):
            self.add_error("joint_agency", "Select the agency joining the visit")
        return data


class DiaryBookForm(AppointmentForm):
    """Booking from the diary: the person is named by their case reference."""

    reference = forms.CharField(
        label="Case reference (CRN)",
        max_length=32,
        help_text="The person’s nDelius CRN or local reference, for example X123456",
        error_messages={"required": "Enter the person's case reference"},
    )
    field_order = ["reference", *AppointmentForm.field_order]


class RescheduleForm(_SlotForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    place = forms.CharField(
        label="Place", max_length=200, error_messages={"required": "Enter where it will be"}
    )
    reason = forms.CharField(
        label="Why it is being moved",
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Enter why the appointment is being moved",
            "max_length": too_long("The reason", REASON_MAX),
        },
        help_text="This stays in the appointment's history",
    )
    clash_confirmed = forms.CharField(required=False, max_length=120, widget=forms.HiddenInput)


class CancelForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label="Why it is cancelled",
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Enter why the appointment is cancelled",
            "max_length": too_long("The reason", REASON_MAX),
        },
    )


OUTCOME_CHOICES = [
    (v, label)
    for v, label in AppointmentOutcome.choices
    if v != AppointmentOutcome.RESCHEDULED_BY_US
]


class OutcomeForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    outcome = forms.ChoiceField(
        label="Outcome",
        choices=OUTCOME_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the outcome of the appointment"},
        help_text="If we moved it, reschedule the appointment instead",
    )
    reason = forms.CharField(
        label="Reason for the absence (acceptable absences)",
        max_length=REASON_MAX,
        error_messages={"max_length": too_long("The reason", REASON_MAX)},
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    drug_test_result = forms.ChoiceField(
        label="Drug test result (drug tests attended)",
        choices=[("", "Not a drug test"), *DrugTestResult.choices],
        required=False,
    )
    substances = forms.CharField(
        label="Substances found (positive tests)", max_length=200, required=False
    )
    notes = forms.CharField(
        label="Notes (optional)",
        required=False,
        max_length=NOTES_MAX,
        error_messages={"max_length": too_long("Notes", NOTES_MAX)},
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("outcome") == AppointmentOutcome.ACCEPTABLE_ABSENCE
            and not data.get("reason", "").strip()
        ):
            self.add_error("reason", "Enter the reason the absence is acceptable")
        return data
