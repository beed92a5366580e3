"""Forms for the people pages. They validate input and hand clean values to a
service; they never save anything themselves (STYLE.md). Fields are listed
explicitly: lead agency, version and restriction cannot be mass-assigned."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any

from django import forms
from django.utils import timezone

from rrcase.core.forms import GovUKDateField
from rrcase.core.text import NOTE, REASON, bounded_text

from .alerts import ALERT_CHOICES
from .models import (
    Brag,
    Cohort,
    ContactKind,
    ContactOutcome,
    CustodyStatus,
    DrugTestResult,
    EnforcementKind,
    Gender,
    IomStrand,
    Rosh,
    Sensitivity,
)
from .selectors import CaseFilters

DATE_HINT = "For example, 27 3 2025"


def _reason(
    label: str, required: str, *, noun: str | None = None, **kwargs: Any
) -> forms.CharField:
    """A few lines saying why: every service that takes a reason refuses a
    blank one, and none is longer than rrcase.core.text.REASON characters."""
    return bounded_text(
        label, REASON, required=True, noun=noun, error_messages={"required": required}, **kwargs
    )


class CaseSearchForm(forms.Form):
    term = forms.CharField(
        label="Name, case reference or PNC ID",
        max_length=100,
        required=False,
        help_text="You can type part of a name or number, for example “jo smi” or “N1001”",
    )


class CaseFilterForm(forms.Form):
    cohort = forms.MultipleChoiceField(
        label="Cohort", choices=Cohort.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    brag = forms.MultipleChoiceField(
        label="BRAG", choices=Brag.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    rosh = forms.MultipleChoiceField(
        label="RoSH", choices=Rosh.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    mappa_level = forms.TypedMultipleChoiceField(
        label="MAPPA level",
        choices=[(1, "Level 1"), (2, "Level 2"), (3, "Level 3")],
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    lead_agency = forms.TypedMultipleChoiceField(
        label="Lead agency", coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    offender_manager = forms.CharField(
        label="Offender manager",
        help_text="First or last name",
        max_length=100,
        required=False,
    )
    alert = forms.MultipleChoiceField(
        label="Alerts", choices=ALERT_CHOICES, required=False, widget=forms.CheckboxSelectMultiple
    )
    release = forms.BooleanField(label="Leaving custody in the next 28 days", required=False)

    def __init__(self, *args: Any, choices: dict[str, list[tuple[str, str]]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["lead_agency"].choices = choices["lead_agencies"]  # type: ignore[attr-defined]

    def filters(self) -> CaseFilters:
        data = self.cleaned_data
        return CaseFilters(
            cohorts=tuple(data["cohort"]),
            brag=tuple(data["brag"]),
            rosh=tuple(data["rosh"]),
            mappa_levels=tuple(data["mappa_level"]),
            lead_agencies=tuple(data["lead_agency"]),
            offender_manager=data["offender_manager"].strip(),
            alerts=tuple(data["alert"]),
            release_28_days=bool(data["release"]),
        )

    def selected(self) -> list[dict[str, Any]]:
        """The chosen filters as MoJ filter "selected" groups, each tag a link
        that removes that one value."""
        groups = []
        for name, field in self.fields.items():
            value = self.cleaned_data.get(name)
            if not value:
                continue
            labels = {str(k): v for k, v in getattr(field, "choices", [])}
            values = value if isinstance(value, list) else [value]
            tags = []
            for item in values:
                remaining = self.data.copy()  # type: ignore[attr-defined]
                if isinstance(value, list):
                    chosen = self.data.getlist(name)  # type: ignore[attr-defined]
                    remaining.setlist(name, [v for v in chosen if v != str(item)])
                else:
                    remaining.pop(name, None)
                remaining.pop("page", None)
                tags.append(
                    {
                        # A typed value (a name) is its own label.
                        "label": labels.get(
                            str(item), item if isinstance(field, forms.CharField) else field.label
                        ),
                        "href": "?" + remaining.urlencode(),
                    }
                )
            groups.append({"heading": field.label, "tags": tags})
        return groups


class PersonCreateForm(forms.Form):
    reference = forms.CharField(
        label="Case reference (CRN)", max_length=32, help_text="nDelius CRN or local reference"
    )
    given_name = forms.CharField(label="First name", max_length=100)
    family_name = forms.CharField(label="Last name", max_length=100)
    date_of_birth = GovUKDateField(label="Date of birth", help_text="For example, 16 6 1990")
    gender = forms.ChoiceField(label="Gender", choices=Gender.choices, widget=forms.RadioSelect)
    pnc_id = forms.CharField(
        label="PNC ID (optional)",
        max_length=32,
        required=False,
        help_text="For example, 12/345678A",
    )
    nomis_number = forms.CharField(label="NOMIS number (optional)", max_length=16, required=False)
    ethnicity = forms.CharField(label="Ethnicity (optional)", max_length=100, required=False)
    # Set on the "a similar record exists" page when the user chooses to go on.
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean_date_of_birth(self) -> Any:
        born = self.cleaned_data["date_of_birth"]
        if born is not None and born > timezone.localdate():
            raise forms.ValidationError("Date of birth must be in the past")
        return born

    def clean_pnc_id(self) -> str:
        return str(self.cleaned_data["pnc_id"]).strip().upper()


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.get_full_name() or obj.get_username()


class PersonEditForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    given_name = forms.CharField(label="First name", max_length=100)
    family_name = forms.CharField(label="Last name", max_length=100)
    date_of_birth = GovUKDateField(label="Date of birth", help_text="For example, 16 6 1990")
    gender = forms.ChoiceField(label="Gender", choices=Gender.choices, widget=forms.RadioSelect)
    pnc_id = forms.CharField(label="PNC ID (optional)", max_length=32, required=False)
    nomis_number = forms.CharField(label="NOMIS number (optional)", max_length=16, required=False)
    ethnicity = forms.CharField(label="Ethnicity (optional)", max_length=100, required=False)
    custody_status = forms.ChoiceField(
        label="Custody status", choices=CustodyStatus.choices, widget=forms.RadioSelect
    )
    prison = forms.CharField(label="Prison (optional)", max_length=100, required=False)
    expected_release_date = GovUKDateField(
        label="Expected release date (optional)", required=False, help_text=DATE_HINT
    )
    offender_manager = StaffChoiceField(
        label="Offender manager", queryset=None, required=False, empty_label="Not allocated"
    )
    police_spoc = StaffChoiceField(
        label="Police single point of contact",
        queryset=None,
        required=False,
        empty_label="Not allocated",
    )

    CHANGES = (
        "given_name", "family_name", "date_of_birth", "gender", "pnc_id", "nomis_number",
        "ethnicity", "custody_status", "prison", "expected_release_date", "offender_manager",
        "police_spoc",
    )  # fmt: skip

    def __init__(self, *args: Any, staff: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._extra_kwargs = {"staff": staff}
        for name, queryset in staff.items():
            self.fields[name].queryset = queryset  # type: ignore[attr-defined]


class _SharedRecordForm(forms.Form):
    """A record other agencies may read. Its `sensitivity` field (declared by
    each form, in its place) offers only the classes the user's agency may
    see, so nobody writes what they could not read back."""

    def __init__(self, *args: Any, visible_classes: frozenset[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sensitivity"].choices = [  # type: ignore[attr-defined]
            (value, label) for value, label in Sensitivity.choices if value in visible_classes
        ]


class ContactForm(_SharedRecordForm):
    kind = forms.ChoiceField(
        label="Type of contact", choices=ContactKind.choices, widget=forms.RadioSelect
    )
    occurred_on = GovUKDateField(label="Date of contact", help_text=DATE_HINT)
    outcome = forms.ChoiceField(
        label="Outcome",
        choices=ContactOutcome.choices,
        required=False,
        widget=forms.RadioSelect,
        help_text="Leave blank for a case note",
    )
    drug_test_result = forms.ChoiceField(
        label="Drug test result",
        choices=[("", "Not a drug test"), *DrugTestResult.choices],
        required=False,
    )
    substances = forms.CharField(
        label="Substances found (drug tests)",
        max_length=200,
        required=False,
        help_text="For example, opiates, cocaine",
    )
    notes = bounded_text("Notes", NOTE, rows=4)
    sensitivity = forms.ChoiceField(label="Who may see this", choices=Sensitivity.choices)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        if kind and kind != ContactKind.NOTE and not data.get("outcome"):
            self.add_error("outcome", "Select the outcome of the contact")
        attended_test = kind == ContactKind.DRUG_TEST and data.get("outcome") == "attended"
        if attended_test and not data.get("drug_test_result"):
            self.add_error("drug_test_result", "Select the drug test result")
        if data.get("drug_test_result") == DrugTestResult.POSITIVE and not data.get("substances"):
            self.add_error("substances", "Enter the substances the test found")
        occurred = data.get("occurred_on")
        if occurred and occurred > timezone.localdate():
            self.add_error("occurred_on", "Date of contact must be today or in the past")
        return data


class BragForm(forms.Form):
    """A change of BRAG status. Nothing is preselected (a change is a choice),
    and the status the person already has is refused: it is not a change."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(
        label="New BRAG status",
        choices=Brag.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the new BRAG status"},
    )
    reason = _reason("Reason for the change", "Enter the reason for the BRAG change")

    def __init__(self, *args: Any, current: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.current = current
        self._extra_kwargs = {"current": current}

    def clean_status(self) -> str:
        status: str = self.cleaned_data["status"]
        if status and status == self.current:
            raise forms.ValidationError(
                f"The BRAG status is already {Brag(status).label}: select a different status"
            )
        return status


class CohortAdoptForm(forms.Form):
    cohort = forms.ChoiceField(label="Cohort", choices=Cohort.choices, widget=forms.RadioSelect)
    start_date = GovUKDateField(label="Adoption date", help_text=DATE_HINT)
    strand = forms.ChoiceField(
        label="IOM strand (IOM only)",
        choices=[("", "Not IOM"), *IomStrand.choices],
        required=False,
    )
    mappa_category = forms.TypedChoiceField(
        label="MAPPA category (MAPPA only)",
        choices=[("", "Not MAPPA"), *[(n, f"Category {n}") for n in range(1, 5)]],
        coerce=int,
        empty_value=None,
        required=False,
    )
    mappa_level = forms.TypedChoiceField(
        label="MAPPA level (MAPPA only)",
        choices=[("", "Not MAPPA"), *[(n, f"Level {n}") for n in range(1, 4)]],
        coerce=int,
        empty_value=None,
        required=False,
    )
    reason = _reason("Reason for adoption", "Enter the reason for adopting this person")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        cohort = data.get("cohort")
        if cohort == Cohort.MAPPA:
            if not data.get("mappa_category"):
                self.add_error("mappa_category", "Select the MAPPA category")
            if not data.get("mappa_level"):
                self.add_error("mappa_level", "Select the MAPPA level")
        if cohort == Cohort.IOM and not data.get("strand"):
            self.add_error("strand", "Select the IOM strand")
        return data


class CohortDeselectForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    end_date = GovUKDateField(label="De-selection date", help_text=DATE_HINT)
    reason = _reason("Reason for de-selection", "Enter the reason for de-selecting this person")


class DisposalTerminateForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    terminated_date = GovUKDateField(label="Date it ended", help_text=DATE_HINT)
    reason = _reason(
        "Why it ended",
        "Enter why the sentence or order ended",
        help_text="For example, completed, revoked on breach, or recalled to custody",
    )

    def __init__(self, *args: Any, start_date: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.start_date = start_date

    def clean_terminated_date(self) -> Any:
        day = self.cleaned_data["terminated_date"]
        if day is not None and day > timezone.localdate():
            raise forms.ValidationError("The date it ended must be today or in the past")
        if day is not None and day < self.start_date:
            raise forms.ValidationError(
                f"The date it ended must be on or after the start date, {self.start_date:%-d %B %Y}"
            )
        return day


_TIME = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")


def _time(value: str, label: str) -> time:
    match = _TIME.match(value.strip())
    if not match:
        raise forms.ValidationError(f"Enter the {label} as hours and minutes, for example 14:30")
    return time(int(match.group(1)), int(match.group(2)))


class EnforcementForm(_SharedRecordForm):
    kind = forms.ChoiceField(
        label="Type of enforcement", choices=EnforcementKind.choices, widget=forms.RadioSelect
    )
    occurred_on = GovUKDateField(label="Date", help_text=DATE_HINT)
    occurred_time = forms.CharField(
        label="Time", max_length=5, help_text="24-hour clock, for example 14:30"
    )
    decision_on = GovUKDateField(
        label="Date of the recall decision (recall requests)", required=False, help_text=DATE_HINT
    )
    decision_time = forms.CharField(
        label="Time of the recall decision (recall requests)",
        max_length=5,
        required=False,
        help_text="Recall must be requested within 2 hours of the decision",
    )
    notes = bounded_text("Notes", NOTE)
    sensitivity = forms.ChoiceField(label="Who may see this", choices=Sensitivity.choices)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        tz = timezone.get_current_timezone()
        if data.get("occurred_on") and data.get("occurred_time"):
            try:
                at = _time(data["occurred_time"], "time")
                data["occurred_at"] = datetime.combine(data["occurred_on"], at, tzinfo=tz)
            except forms.ValidationError as error:
                self.add_error("occurred_time", error)
        if data.get("kind") == EnforcementKind.RECALL_REQUESTED:
            if not data.get("decision_on"):
                self.add_error("decision_on", "Enter the date of the recall decision")
            elif not data.get("decision_time"):
                self.add_error("decision_time", "Enter the time of the recall decision")
            else:
                try:
                    at = _time(data["decision_time"], "time of the recall decision")
                    data["decision_at"] = datetime.combine(data["decision_on"], at, tzinfo=tz)
                except forms.ValidationError as error:
                    self.add_error("decision_time", error)
        return data


class AssessmentForm(forms.Form):
    assessed_on = GovUKDateField(label="Date of assessment", help_text=DATE_HINT)
    rosh = forms.ChoiceField(
        label="Risk of serious harm (RoSH)",
        choices=[("", "Not assessed"), *Rosh.choices],
        required=False,
    )
    ogrs3_1y = forms.IntegerField(
        label="OGRS3 1-year % (optional)", min_value=0, max_value=99, required=False
    )
    ogrs3_2y = forms.IntegerField(
        label="OGRS3 2-year % (optional)", min_value=0, max_value=99, required=False
    )
    ovp_2y = forms.IntegerField(
        label="OVP 2-year % (optional)", min_value=0, max_value=99, required=False
    )
    predicted_3m = forms.DecimalField(
        label="Predicted 3-month reoffending probability (optional)",
        min_value=0,
        max_value=1,
        decimal_places=4,
        required=False,
        help_text="Between 0 and 1, for example 0.15",
    )

    def clean_assessed_on(self) -> Any:
        day = self.cleaned_data["assessed_on"]
        if day is not None and day > timezone.localdate():
            raise forms.ValidationError("Date of assessment must be today or in the past")
        return day


class MergeForm(forms.Form):
    duplicate_reference = forms.CharField(
        label="Case reference of the duplicate record",
        max_length=32,
        help_text="Its history moves to this record and the duplicate is removed",
    )
    justification = _reason(
        "Why these are the same person",
        "Enter why these records are the same person",
        noun="The reason",
    )


class MergeByReferenceForm(forms.Form):
    """Two records named by case reference: for administrators who may not see
    people (system admins), given the references by an agency admin who can."""

    keep_reference = forms.CharField(
        label="Case reference of the record to keep",
        max_length=32,
        error_messages={"required": "Enter the case reference of the record to keep"},
    )
    duplicate_reference = forms.CharField(
        label="Case reference of the duplicate record",
        max_length=32,
        help_text="Its history moves to the record kept and the duplicate is removed",
        error_messages={"required": "Enter the case reference of the duplicate record"},
    )
    justification = _reason(
        "Why these are the same person",
        "Enter why these records are the same person",
        help_text="Include who asked for the merge",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        keep, duplicate = data.get("keep_reference", ""), data.get("duplicate_reference", "")
        if keep and duplicate and keep.strip().upper() == duplicate.strip().upper():
            self.add_error("duplicate_reference", "Enter two different case references")
        return data


class CandidateAdoptForm(forms.Form):
    reason = _reason("Reason for adoption", "Enter the reason for adopting this person")
