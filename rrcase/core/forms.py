"""GOV.UK Design System rendering for every Django form in the service.

Set as FORM_RENDERER, so any form rendered with `{{ form }}` gets GOV.UK form
groups, labels, hints, error messages and input classes without per-form markup.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.forms.boundfield import BoundField
from django.forms.renderers import TemplatesSetting

_WIDGET_CLASSES = {
    "select": "govuk-select",
    "selectmultiple": "govuk-select",
    "textarea": "govuk-textarea",
    "fileinput": "govuk-file-upload",
    "clearablefileinput": "govuk-file-upload",
}
_GROUPED = {"radioselect", "checkboxselectmultiple", "checkbox"}


class GovUKBoundField(BoundField):
    def build_widget_attrs(self, attrs: dict[str, Any], widget: Any = None) -> dict[str, Any]:
        attrs = super().build_widget_attrs(attrs, widget)
        widget_type = self.widget_type
        if widget_type in _GROUPED:
            return attrs
        base = _WIDGET_CLASSES.get(widget_type, "govuk-input")
        classes = [base, str(attrs.get("class", ""))]
        described_by = []
        if widget_type == "textarea" and getattr(self.field, "max_length", None):
            # GOV.UK's character count (field.html draws it), not the
            # maxlength attribute, which silently cuts pasted text.
            attrs.pop("maxlength", None)
            classes.append("govuk-js-character-count")
            described_by.append(f"{self.auto_id}-info")
        if self.help_text:
            described_by.append(f"{self.auto_id}-hint")
        if self.form.is_bound and self.errors:
            classes.append(f"{base}--error")
            described_by.append(f"{self.auto_id}-error")
        attrs["class"] = " ".join(c for c in classes if c)
        if described_by:
            attrs["aria-describedby"] = " ".join(described_by)
        return attrs


class GovUKFormRenderer(TemplatesSetting):
    form_template_name = "includes/forms/form.html"
    field_template_name = "includes/forms/field.html"
    bound_field_class = GovUKBoundField


class SignInForm(AuthenticationForm):
    """Django's sign-in form, with messages that never reveal whether an account exists."""

    error_messages = {
        "invalid_login": "Enter a correct username and password",
        "inactive": "Enter a correct username and password",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].error_messages["required"] = "Enter your username"
        self.fields["password"].error_messages["required"] = "Enter your password"
        self.fields["username"].widget.attrs.update(
            {"spellcheck": "false", "autocapitalize": "none"}
        )
        self.fields["password"].widget = forms.PasswordInput(
            attrs={"autocomplete": "current-password"}
        )


class GovUKDateInput(forms.MultiWidget):
    """The GOV.UK date input: day, month and year boxes
    (https://design-system.service.gov.uk/components/date-input/). The day box
    takes the field's own id, so an error summary link lands on it."""

    template_name = "includes/forms/date_input.html"
    use_fieldset = True

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        numeric = {"inputmode": "numeric"}
        super().__init__(
            {
                "day": forms.TextInput(numeric),
                "month": forms.TextInput(numeric),
                "year": forms.TextInput(numeric),
            },
            attrs,
        )

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, date):
            return [value.day, value.month, value.year]
        return [None, None, None]

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        attrs = dict(attrs or {})
        error = "--error" in str(attrs.get("class", ""))
        attrs.pop("class", None)
        attrs.pop("aria-describedby", None)
        context = super().get_context(name, value, attrs)
        base_id = attrs.get("id", f"id_{name}")
        for label, (index, subwidget) in zip(
            ("Day", "Month", "Year"), enumerate(context["widget"]["subwidgets"]), strict=True
        ):
            width = "4" if label == "Year" else "2"
            classes = f"govuk-input govuk-date-input__input govuk-input--width-{width}"
            subwidget["attrs"]["class"] = classes + (" govuk-input--error" if error else "")
            subwidget["attrs"]["id"] = base_id if index == 0 else f"{base_id}_{label.lower()}"
            subwidget["label"] = label
        return context

    def id_for_label(self, id_: str) -> str:
        return id_


class GovUKDateField(forms.MultiValueField):
    """A date typed as day, month and year, with GOV.UK's error messages."""

    widget = GovUKDateInput

    def __init__(self, *, required: bool = True, **kwargs: Any) -> None:
        fields = (
            forms.IntegerField(min_value=1, max_value=31),
            forms.IntegerField(min_value=1, max_value=12),
            forms.IntegerField(min_value=1000, max_value=9999),
        )
        super().__init__(fields, required=required, require_all_fields=False, **kwargs)

    def clean(self, value: Any) -> date | None:
        parts = [str(p).strip() if p is not None else "" for p in (value or ["", "", ""])]
        label = str(self.label or "date").lower()
        if not any(parts):
            if self.required:
                raise forms.ValidationError(f"Enter the {label}", code="required")
            return None
        missing = [
            name for name, part in zip(("day", "month", "year"), parts, strict=True) if not part
        ]
        if missing:
            raise forms.ValidationError(
                f"The {label} must include a {' and '.join(missing)}", code="incomplete"
            )
        try:
            day, month, year = (int(p) for p in parts)
            if year < 1000:
                raise ValueError("year must have 4 numbers")
            return date(year, month, day)
        except ValueError:
            raise forms.ValidationError(
                f"The {label} must be a real date", code="invalid"
            ) from None

    def compress(self, data_list: list[Any]) -> date | None:  # pragma: no cover - clean() decides
        return None
