from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model, password_validation

from .models import Role

# What an agency admin may hand out. Information governance and system admin
# are partnership-wide roles, given by a system admin.
AGENCY_ADMIN_ROLES = [
    (Role.PRACTITIONER.value, Role.PRACTITIONER.label),
    (Role.PANEL_CHAIR.value, Role.PANEL_CHAIR.label),
    (Role.ANALYST.value, Role.ANALYST.label),
    (Role.AGENCY_ADMIN.value, Role.AGENCY_ADMIN.label),
]


class UserCreateForm(forms.Form):
    first_name = forms.CharField(label="First name", max_length=150)
    last_name = forms.CharField(label="Last name", max_length=150)
    username = forms.SlugField(
        label="Username", max_length=150, help_text="Letters, numbers, hyphens and underscores"
    )
    email = forms.EmailField(label="Work email address")
    job_title = forms.CharField(label="Job title", max_length=200, required=False)
    role = forms.ChoiceField(label="Role", choices=AGENCY_ADMIN_ROLES, widget=forms.RadioSelect)
    password = forms.CharField(
        label="First password",
        help_text=(
            "At least 12 characters. They set up their authenticator app when they first sign in."
        ),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        messages = {
            "first_name": "Enter their first name",
            "last_name": "Enter their last name",
            "username": "Enter a username",
            "email": "Enter their work email address",
            "role": "Select a role",
            "password": "Enter a first password",
        }
        for name, message in messages.items():
            self.fields[name].error_messages["required"] = message

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"]
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise forms.ValidationError("That username is already taken")
        return username

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password = cleaned.get("password")
        if password:
            candidate = get_user_model()(
                username=cleaned.get("username", ""),
                first_name=cleaned.get("first_name", ""),
                last_name=cleaned.get("last_name", ""),
                email=cleaned.get("email", ""),
            )
            try:
                password_validation.validate_password(password, candidate)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class RoleChangeForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=AGENCY_ADMIN_ROLES, widget=forms.RadioSelect)
