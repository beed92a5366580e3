"""Forms for the pathways pages. They validate input only: every change is made
by pathways/services.py. Fields are listed explicitly (no mass assignment of
agency, person or version beyond the hidden version the service checks)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone

from rrcase.access.models import Agency
from rrcase.core.text import NOTE, REASON, bounded_text

from .models import (
    OUTCOME_VALUES,
    NeedLevel,
    NeedStatus,
    NeedType,
    OutcomeKind,
    Responsibility,
    Service,
)

DATE_FORMATS = ["%d %m %Y", "%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d", "%d %B %Y", "%d %b %Y"]


class DateField(forms.DateField):
    """A date typed in one box, as people write it ("27 3 2026", "27/03/2026")."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", DATE_FORMATS)
        kwargs.setdefault("help_text", "For example, 27 3 2026")
        kwargs.setdefault("widget", forms.TextInput(attrs={"class": "govuk-input--width-10"}))
        super().__init__(**kwargs)
        self.error_messages["invalid"] = "Enter a real date, for example 27 3 2026"


def _not_future(value: date | None) -> date | None:
    if value is not None and value > timezone.localdate():
        raise forms.ValidationError("The date must be today or in the past")
    return value


def agency_choices() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=Agency.objects.filter(is_active=True).order_by("name"),
        required=False,
        empty_label="Not set",
        label="Responsible agency",
    )


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class NeedForm(forms.Form):
    need_type = forms.TypedChoiceField(label="Need", coerce=int)
    detail = forms.CharField(
        label="Describe the need",
        required=False,
        max_length=200,
        help_text="Required when the need is Other",
    )
    status = forms.ChoiceField(
        choices=NeedStatus.choices, widget=forms.RadioSelect, initial=NeedStatus.NOT_STARTED
    )
    responsible_agency = agency_choices()
    responsibility = forms.ChoiceField(
        choices=Responsibility.choices,
        widget=forms.RadioSelect,
        initial=Responsibility.COMMUNITY,
        label="Who holds this need now",
    )
    note = bounded_text("Note (optional)", NOTE, noun="Note")

    def __init__(self, *args: Any, need_types: list[NeedType], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        grouped: dict[str, list[tuple[int, str]]] = {}
        for need_type in need_types:
            grouped.setdefault(need_type.pathway.name, []).append((need_type.pk, need_type.name))
        self.need_types = {t.pk: t for t in need_types}
        field = self.fields["need_type"]
        field.choices = [("", "Choose a need"), *grouped.items()]  # type: ignore[attr-defined]
        field.error_messages["required"] = "Choose the need"
        field.error_messages["invalid_choice"] = "Choose the need"
        self.fields["status"].error_messages["required"] = "Choose the need's status"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        need_type = self.need_types.get(data.get("need_type") or 0)
        if need_type is not None and need_type.is_other and not data.get("detail", "").strip():
            self.add_error("detail", "Describe the need")
        data["need_type_obj"] = need_type
        return data


class AssessmentForm(VersionForm):
    level = forms.ChoiceField(
        choices=NeedLevel.choices, widget=forms.RadioSelect, label="Level of need"
    )
    responsibility = forms.ChoiceField(
        choices=Responsibility.choices, widget=forms.RadioSelect, label="Who holds this pathway now"
    )
    responsible_agency = agency_choices()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["level"].error_messages["required"] = "Choose the level of need"
        self.fields["responsibility"].error_messages["required"] = "Choose who holds this pathway"


class NeedUpdateForm(VersionForm):
    status = forms.ChoiceField(choices=NeedStatus.choices, widget=forms.RadioSelect)
    responsible_agency = agency_choices()
    responsibility = forms.ChoiceField(
        choices=Responsibility.choices, widget=forms.RadioSelect, label="Who holds this need now"
    )
    note = bounded_text("Note (optional)", NOTE, noun="Note")


class NeedNoteForm(forms.Form):
    text = bounded_text("Add a note", NOTE, required=True, noun="Note")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["text"].error_messages["required"] = "Enter the note"


def _service_label(service: Service) -> str:
    """Name, provider, response target and places, so the choice is informed."""
    places = ""
    taken = getattr(service, "places_taken", None)
    if service.capacity:
        places = f"; {taken} of {service.capacity} places taken"
        if taken is not None and taken >= service.capacity:
            places += " (full)"
    return (
        f"{service.name} – {service.provider.name} "
        f"(responds within {service.response_target_text}{places})"
    )


class ReferralForm(forms.Form):
    service = forms.TypedChoiceField(coerce=int, widget=forms.RadioSelect, label="Service")
    reason = bounded_text(
        "Why does this person need the service?",
        REASON,
        required=True,
        noun="The reason",
        help_text="The receiving service sees this. Do not include information the sharing "
        "agreement does not let them see.",
    )

    def __init__(self, *args: Any, services: list[Service], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.services = {s.pk: s for s in services}
        field = self.fields["service"]
        field.choices = [(s.pk, _service_label(s)) for s in services]  # type: ignore[attr-defined]
        field.error_messages["required"] = "Choose a service"
        field.error_messages["invalid_choice"] = "Choose a service"
        self.fields["reason"].error_messages["required"] = "Say why this person needs the service"


class ReferralActionForm(VersionForm):
    # Becomes a rejection reason, an outcome or a note: the shortest bound.
    text = bounded_text("Note", REASON, noun="The text")

    def __init__(
        self,
        *args: Any,
        label: str = "",
        required_message: str = "",
        situation: tuple[str, list[tuple[str, str]]] | None = None,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        if label:
            self.fields["text"].label = label
        self.required_message = required_message
        if not required_message:
            self.fields["text"].label = label or "Note (optional)"
        if situation is not None:
            # Completing a service on a pathway with an outcome history: where
            # the person now stands (optional, dated today).
            situation_label, choices = situation
            self.fields["situation"] = forms.ChoiceField(
                label=situation_label,
                choices=[("", "Not recorded"), *choices],
                required=False,
                help_text="Recorded in the person's outcome history, dated today",
            )

    def clean_text(self) -> str:
        text = self.cleaned_data.get("text", "").strip()
        if self.required_message and not text:
            raise forms.ValidationError(self.required_message)
        return text


def outcome_choices() -> list[Any]:
    return [("", "Choose an outcome")] + [
        (
            OutcomeKind(kind).label,
            [(f"{kind}:{value}", label) for value, label in values.choices],
        )
        for kind, values in OUTCOME_VALUES.items()
    ]


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label="Outcome")
    recorded_on = DateField(label="Date this became true")
    note = bounded_text("Note (optional)", NOTE, noun="Note")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = outcome_choices()  # type: ignore[attr-defined]
        self.fields["outcome"].error_messages["required"] = "Choose the outcome"
        self.fields["recorded_on"].error_messages["required"] = "Enter the date"

    def clean_recorded_on(self) -> date | None:
        return _not_future(self.cleaned_data.get("recorded_on"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("outcome"):
            data["kind"], data["value"] = data["outcome"].split(":", 1)
        return data
