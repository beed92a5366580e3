"""Free text is bounded (issue #13, item 8; docs/decisions.md "Free text is
bounded"): every text column has a maximum the database enforces, every form
and API input field that writes text has the same kind of maximum, and going
over it is a GOV.UK error (pages) or a 400 naming the field (API), with
nothing saved.

The class tests walk every model, every forms module and every API input
serializer in the project, so a new text field without a bound fails here.
"""

from __future__ import annotations

import importlib
import inspect
import re
from datetime import date
from pathlib import Path

import pytest
from django import forms
from django.apps import apps
from django.db import IntegrityError, connection, models, transaction
from rest_framework import serializers

from offenders import services as offender_services
from offenders.models import BragChange, Contact
from rrcase.core.text import NOTE, REASON
from tests.panels.conftest import agency, make_person, user

ROOT = Path(__file__).resolve().parent.parent
PROJECT_APPS = {"offenders", "pathways", "panels", "reporting", "access", "audit", "core"}
GOVUK_TOO_LONG = re.compile(r"^.+ must be [\d,]+ characters or less$")


def _text_fields() -> list[tuple[type[models.Model], models.TextField]]:
    found = []
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.TextField):
                found.append((model, field))
    return found


@pytest.mark.django_db
def test_every_text_column_has_a_bound_the_database_enforces():
    fields = _text_fields()
    assert len(fields) > 30  # the walk found the apps' text columns
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rel.relname, pg_get_constraintdef(con.oid) FROM pg_constraint con "
            "JOIN pg_class rel ON rel.oid = con.conrelid WHERE con.contype = 'c'"
        )
        checks: dict[str, list[str]] = {}
        for table, definition in cursor.fetchall():
            checks.setdefault(table, []).append(definition)
    unbounded = []
    for model, field in fields:
        limit = field.max_length
        pattern = re.compile(rf"length\(\(?\"?{field.column}\"?\)?\)\s*<=\s*{limit}\b")
        if not limit or not any(pattern.search(d) for d in checks.get(model._meta.db_table, [])):
            unbounded.append(f"{model._meta.label}.{field.name}")
    assert unbounded == []


@pytest.mark.django_db
def test_every_char_column_is_a_bounded_varchar():
    """CharFields are varchar(n) in PostgreSQL: the database bounds them."""
    with connection.cursor() as cursor:
        for model in apps.get_models():
            if model._meta.app_label not in PROJECT_APPS:
                continue
            description = {
                c.name: c
                for c in connection.introspection.get_table_description(
                    cursor, model._meta.db_table
                )
            }
            for field in model._meta.concrete_fields:
                if isinstance(field, models.CharField) and not isinstance(field, models.TextField):
                    column = description[field.column]
                    assert column.display_size == field.max_length, (model, field.name)


def _forms_modules() -> list[str]:
    """Every forms module in the project (forms.py, *_forms.py)."""
    names = []
    for path in ROOT.rglob("*forms.py"):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in {".venv", "tests", "node_modules", "bench"}:
            continue
        names.append(".".join(relative.with_suffix("").parts))
    return sorted(names)


def _form_classes() -> list[type[forms.Form]]:
    classes = []
    for name in _forms_modules():
        module = importlib.import_module(name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == name:
                classes.append(cls)
    return classes


def test_every_text_input_on_a_form_has_a_maximum_and_govuk_wording():
    classes = _form_classes()
    assert {c.__name__ for c in classes} >= {"ContactForm", "BragForm", "DiscussionForm"}
    missing, wording = [], []
    for cls in classes:
        try:
            # Some forms set limits as they are built (Django's sign-in form
            # takes the username's from the user model).
            fields = cls().fields
        except TypeError:  # needs its context (a panel, a person): the class's own
            fields = cls.base_fields
        for name, field in fields.items():
            if not isinstance(field, forms.CharField):
                continue
            if isinstance(field.widget, forms.PasswordInput):
                continue  # hashed, never stored as text; length is the password policy's
            if field.max_length is None:
                missing.append(f"{cls.__module__}.{cls.__name__}.{name}")
            elif isinstance(field.widget, forms.Textarea):
                message = str(field.error_messages.get("max_length", ""))
                if not GOVUK_TOO_LONG.match(message):
                    wording.append(f"{cls.__name__}.{name}: {message!r}")
    assert missing == []
    assert wording == []


def _api_modules() -> list[str]:
    names = []
    for path in [*ROOT.rglob("api.py"), *ROOT.rglob("api/*.py")]:
        relative = path.relative_to(ROOT)
        if relative.parts[0] in {".venv", "tests", "node_modules"}:
            continue
        names.append(".".join(relative.with_suffix("").parts))
    return sorted(set(names))


def _serializers_in(module: object) -> list[type[serializers.Serializer]]:
    found: list[type[serializers.Serializer]] = []
    for _, cls in inspect.getmembers(module, inspect.isclass):
        if getattr(cls, "__module__", "") != getattr(module, "__name__", ""):
            continue
        if issubclass(cls, serializers.BaseSerializer):
            found.append(cls)
        else:  # views nest their input serializers (HackSoft style)
            found += [
                inner
                for _, inner in inspect.getmembers(cls, inspect.isclass)
                if issubclass(inner, serializers.BaseSerializer)
                and inner.__module__ == module.__name__  # type: ignore[attr-defined]
            ]
    return found


def test_every_api_input_text_field_has_a_maximum():
    """Input serializers (…In, …InputSerializer) bound every writable text
    field; output ModelSerializers take the model's max_length anyway."""
    inputs = []
    for name in _api_modules():
        for cls in _serializers_in(importlib.import_module(name)):
            if cls.__name__.endswith(("In", "InputSerializer")):
                inputs.append(cls)
    assert len(inputs) >= 3
    missing = []
    for cls in inputs:
        for name, field in cls().fields.items():
            writes_text = isinstance(field, serializers.CharField) and not field.read_only
            if writes_text and field.max_length is None:
                missing.append(f"{cls.__qualname__}.{name}")
    assert missing == []


# ---------------------------------------------------------------- behaviour


@pytest.fixture
def person(borough):
    return make_person(given_name="Tess", family_name="Bounds")


@pytest.mark.django_db
def test_the_database_refuses_text_over_its_bound(person):
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.create(
            person=person, agency=agency("probation"), kind="note",
            occurred_on=date(2026, 1, 5), notes="x" * (NOTE + 1),
        )  # fmt: skip
    Contact.objects.create(
        person=person, agency=agency("probation"), kind="note",
        occurred_on=date(2026, 1, 5), notes="x" * NOTE,
    )  # fmt: skip
    assert Contact.objects.count() == 1


@pytest.mark.django_db
def test_a_contact_note_too_long_is_a_govuk_error_and_nothing_is_saved(person, sign_in):
    client = sign_in("probation")
    response = client.post(
        f"/people/{person.pk}/contacts/new/",
        {
            "kind": "note", "occurred_on_day": "5", "occurred_on_month": "1",
            "occurred_on_year": "2026", "notes": "x" * (NOTE + 1), "sensitivity": "standard",
        },
    )  # fmt: skip
    html = response.content.decode()
    assert "There is a problem" in html
    assert "Notes must be 5,000 characters or less" in html
    assert "x" * (NOTE + 1) in html  # what they typed is kept for them to shorten
    # GOV.UK's character count, not a maxlength attribute that cuts pasted text.
    assert 'data-module="govuk-character-count" data-maxlength="5000"' in html
    assert "You can enter up to 5,000 characters" in html
    assert not re.search(r'(?<!data-)maxlength="5000"', html)
    assert not Contact.objects.exists()


@pytest.mark.django_db
def test_the_api_refuses_a_contact_note_too_long_with_the_field_error(person, sign_in):
    response = sign_in("probation").post(
        f"/api/v1/people/{person.pk}/contacts/",
        {"kind": "note", "occurred_on": "2026-01-05", "notes": "x" * (NOTE + 1)},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["notes"] == ["Notes must be 5,000 characters or less"]
    assert not Contact.objects.exists()


# ---------------------------------------------------------------- Change BRAG


@pytest.mark.django_db
def test_change_brag_preselects_nothing_and_refuses_the_current_status(person, sign_in):
    person.refresh_from_db()
    offender_services.brag_change(
        person=person, status="red", reason="Reoffended", version=person.version,
        by=user("probation"),
    )  # fmt: skip
    person.refresh_from_db()
    client = sign_in("probation")
    url = f"/people/{person.pk}/brag/"
    page = client.get(url).content.decode()
    assert 'value="red"' in page
    assert "checked" not in page
    response = client.post(url, {"status": "red", "reason": "Still red", "version": person.version})
    html = response.content.decode()
    assert "There is a problem" in html
    assert "The BRAG status is already Red: select a different status" in html
    response = client.post(
        url, {"status": "amber", "reason": "y" * (REASON + 1), "version": person.version}
    )
    assert "Reason for the change must be 2,000 characters or less" in response.content.decode()
    assert BragChange.objects.filter(person=person).count() == 1
    person.refresh_from_db()
    assert person.brag == "red"


@pytest.mark.django_db
def test_the_brag_service_refuses_a_change_to_the_same_status(person):
    person.refresh_from_db()
    offender_services.brag_change(
        person=person, status="red", reason="Reoffended", version=person.version,
        by=user("probation"),
    )  # fmt: skip
    person.refresh_from_db()
    with pytest.raises(ValueError, match="already Red"):
        offender_services.brag_change(
            person=person, status="red", reason="Red again", version=person.version,
            by=user("probation"),
        )  # fmt: skip
    with pytest.raises(ValueError, match="2,000 characters or less"):
        offender_services.brag_change(
            person=person, status="amber", reason="z" * (REASON + 1), version=person.version,
            by=user("probation"),
        )  # fmt: skip
    assert BragChange.objects.filter(person=person).count() == 1
