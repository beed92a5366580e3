"""Forms for the panel pages. They validate input only; every change is made
by panels.services. Fields are listed explicitly (no mass assignment)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth.models import User

from offenders.models import Brag, Sensitivity
from rrcase.access.models import Agency
from rrcase.core.text import NOTE, REASON, bounded_text

from .agenda import agenda_rules
from .models import (
    RULE_DEFAULTS,
    ActionStatus,
    AttendanceStatus,
    DecisionOutcome,
    PanelType,
    RuleKind,
)


class DateInput(forms.DateInput):
    input_type = "date"


class AgendaRulesForm(forms.Form):
    """One checkbox and (where it has one) a threshold per agenda rule."""

    def __init__(self, *args: Any, panel_type: PanelType, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kinds: list[str] = []
        for rule in agenda_rules(panel_type):
            kind = RuleKind(rule.kind)
            self.kinds.append(kind.value)
            self.fields[f"{kind.value}_enabled"] = forms.BooleanField(
                label=kind.label, required=False, initial=rule.enabled
            )
            meaning = RULE_DEFAULTS[kind][2]
            if meaning:
                self.fields[f"{kind.value}_days"] = forms.IntegerField(
                    label=f"{kind.label}: {meaning}",
                    min_value=1,
                    max_value=730,
                    initial=rule.threshold_days,
                    error_messages={
                        "required": f"Enter the number of {meaning}",
                        "min_value": "Enter a number of days of at least 1",
                        "max_value": "Enter a number of days of 730 or fewer",
                        "invalid": "Enter the number of days as a whole number",
                    },
                    widget=forms.NumberInput(attrs={"class": "govuk-input--width-4"}),
                )

    def rules(self) -> list[tuple[str, bool, int | None]]:
        return [
            (kind, self.cleaned_data[f"{kind}_enabled"], self.cleaned_data.get(f"{kind}_days"))
            for kind in self.kinds
        ]


class AddPersonForm(forms.Form):
    reference = forms.CharField(
        label="Case reference (CRN)",
        max_length=32,
        error_messages={"required": "Enter the person's case reference"},
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "spellcheck": "false"}),
    )


class AttendanceForm(forms.Form):
    status = forms.ChoiceField(
        label="Attendance",
        choices=AttendanceStatus.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether the agency attended"},
    )
    representative = forms.CharField(label="Representative", max_length=200, required=False)
    declarations = bounded_text("Declarations of interest", NOTE, rows=2)


class MeetingForm(forms.Form):
    start_time = forms.TimeField(
        label="Start time",
        help_text="For example, 10:00 or 14:30",
        widget=forms.TimeInput(attrs={"class": "govuk-input--width-5"}, format="%H:%M"),
        error_messages={"required": "Enter the start time", "invalid": "Enter a time like 14:30"},
    )
    location = forms.CharField(label="Place", max_length=200, required=False)
    online_link = forms.URLField(
        label="Online meeting link",
        required=False,
        max_length=200,
        assume_scheme="https",
        error_messages={"invalid": "Enter the link as a web address starting https://"},
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("location") or "").strip() and not (data.get("online_link") or ""):
            self.add_error("location", "Enter a place or an online meeting link")
        return data


def _class_field(label: str) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        help_text="Agencies the information sharing agreement does not allow this class "
        "will not see it, on screen, in the API or in their copy of the papers",
        choices=Sensitivity.choices,
        initial=Sensitivity.STANDARD,
        widget=forms.RadioSelect,
        # Standard unless chosen otherwise (the radios start on it).
        required=False,
    )


class _ClassedTextForm(forms.Form):
    """Panel text with a class of information (offenders.Sensitivity), chosen
    where it is written. The choices are the classes some agency that receives
    this panel's papers may see: a chair hears police intelligence at the table
    and records it as such, even when the chair's own agency is not allowed it
    (docs/panels.md "Classes of information in the papers")."""

    class_field = "sensitivity"

    def __init__(self, *args: Any, classes: frozenset[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields[self.class_field]).choices = [
            (value, label) for value, label in Sensitivity.choices if value in classes
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get(self.class_field) and self.class_field not in self.errors:
            data[self.class_field] = Sensitivity.STANDARD
        return data


class DiscussionForm(_ClassedTextForm):
    class_field = "discussion_sensitivity"
    discussion = bounded_text("Discussion notes", NOTE, rows=6)
    discussion_sensitivity = _class_field("Class of information of these notes")
    version = forms.IntegerField(widget=forms.HiddenInput)


class MeetingNotesForm(_ClassedTextForm):
    class_field = "notes_sensitivity"
    notes = bounded_text("General notes", NOTE, rows=4)
    notes_sensitivity = _class_field("Class of information of these notes")
    version = forms.IntegerField(widget=forms.HiddenInput)


BRAG_CHOICES = [("", "Keep as it is"), *Brag.choices]


class DecisionForm(_ClassedTextForm):
    outcome = forms.ChoiceField(
        label="Decision",
        choices=DecisionOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the panel's decision"},
    )
    rationale = bounded_text("Reason for the decision", REASON)
    cohort = forms.ChoiceField(
        label="Cohort",
        required=False,
        help_text="For accept or de-select, when the panel manages more than one cohort",
    )
    mappa_category = forms.TypedChoiceField(
        label="MAPPA category",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "Not MAPPA"), (1, "1"), (2, "2"), (3, "3"), (4, "4")],
        help_text="When accepting into MAPPA",
    )
    brag = forms.ChoiceField(label="BRAG status", choices=BRAG_CHOICES, required=False)
    brag_reason = bounded_text("Reason for the BRAG change", REASON, rows=2)
    sensitivity = _class_field("Class of information of the reasons")
    person_version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        panel_type: PanelType,
        current_brag: str,
        classes: frozenset[str],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, classes=classes, **kwargs)
        from offenders.models import Cohort

        labels = dict(Cohort.choices)
        cast(forms.ChoiceField, self.fields["cohort"]).choices = [("", "The panel's cohort")] + [
            (c, labels.get(c, c)) for c in panel_type.cohorts
        ]
        self.current_brag = current_brag

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        brag = data.get("brag")
        if brag and brag == self.current_brag:
            self.add_error(
                "brag",
                f"The BRAG status is already {Brag(brag).label}: select a different status, "
                "or keep it as it is",
            )
        elif brag and not (data.get("brag_reason") or "").strip():
            self.add_error("brag_reason", "Give the reason for the BRAG change")
        return data


class OwnerField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.get_full_name()} ({obj.membership.agency.name})"


class ActionForm(forms.Form):
    description = bounded_text(
        "Action",
        REASON,
        required=True,
        rows=2,
        error_messages={"required": "Describe the action"},
    )
    owner_agency = forms.ModelChoiceField(
        label="Owner agency",
        queryset=Agency.objects.none(),
        error_messages={"required": "Select the agency that owns the action"},
    )
    owner_user = OwnerField(label="Owner (person)", queryset=User.objects.none(), required=False)
    due_date = forms.DateField(
        label="Due date",
        help_text="For example, 27 3 2026",
        widget=DateInput(attrs={"class": "govuk-input--width-10"}),
        error_messages={
            "required": "Enter the due date",
            "invalid": "Enter the due date as a real date",
        },
    )

    def __init__(self, *args: Any, agencies: list[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ids = [a.pk for a in agencies]
        cast(forms.ModelChoiceField, self.fields["owner_agency"]).queryset = Agency.objects.filter(
            pk__in=ids
        ).order_by("name")
        owner_user = cast(forms.ModelChoiceField, self.fields["owner_user"])
        owner_user.queryset = (
            User.objects.filter(is_active=True, membership__agency_id__in=ids)
            .select_related("membership__agency")
            .order_by("last_name", "first_name")
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        user, agency = data.get("owner_user"), data.get("owner_agency")
        if user is not None and agency is not None and user.membership.agency_id != agency.pk:
            self.add_error("owner_user", "Choose someone who works for the owner agency")
        return data


class ActionCloseForm(forms.Form):
    status = forms.ChoiceField(
        label="What happened?",
        choices=[
            (ActionStatus.DONE, "Done"),
            (ActionStatus.NOT_POSSIBLE, "Not possible – circumstances changed"),
            (ActionStatus.NOT_DONE, "Not done"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select what happened to the action"},
    )
    note = bounded_text("Note", NOTE, help_text="Required when the action was not done")
    version = forms.IntegerField(widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("status") in (ActionStatus.NOT_POSSIBLE, ActionStatus.NOT_DONE)
            and not (data.get("note") or "").strip()
        ):
            self.add_error("note", "Say why the action was not done")
        return data


class UpdateResponseForm(forms.Form):
    response = bounded_text(
        "Your agency's update",
        NOTE,
        required=True,
        rows=5,
        noun="Your update",
        error_messages={"required": "Enter the update"},
    )
    sensitivity = forms.ChoiceField(
        label="Class of information",
        help_text="Agencies not allowed this class under the sharing agreement will not see "
        "this update, on screen or in the agenda pack",
        widget=forms.RadioSelect,
        required=False,
    )

    def __init__(self, *args: Any, classes: frozenset[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from offenders.models import Sensitivity

        cast(forms.ChoiceField, self.fields["sensitivity"]).choices = [
            (value, label) for value, label in Sensitivity.choices if value in classes
        ]

    def clean_sensitivity(self) -> str:
        return self.cleaned_data.get("sensitivity") or "standard"
