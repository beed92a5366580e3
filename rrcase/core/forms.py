"""GOV.UK Design System rendering for every Django form in the service.

Set as FORM_RENDERER, so any form rendered with `{{ form }}` gets GOV.UK form
groups, labels, hints, error messages and input classes without per-form markup.
"""

from __future__ import annotations

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
