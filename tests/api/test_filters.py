"""Every filter the schema offers refuses a value it cannot use with a 400
naming it: a blank, a value not among its choices, a date that is no date.
Read from /api/schema/, so a new filter is covered when it is declared."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def _filters(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(path, parameter, its schema) for every enum or date query parameter."""
    found = []
    for path, operations in schema["paths"].items():
        for parameter in operations.get("get", {}).get("parameters", []):
            if parameter["in"] != "query":
                continue
            spec = parameter["schema"]
            if "enum" in spec or spec.get("format") == "date":
                found.append((path, parameter["name"], spec))
    return found


@pytest.fixture
def api(borough, token_for):
    from datetime import date

    from offenders.services import person_create
    from rrcase.access.models import Agency

    probation = Agency.objects.get(code="probation")
    for n, gender in enumerate(["female", "male", "male"]):
        person_create(
            reference=f"F{n}",
            given_name="Filter",
            family_name=f"Person{n}",
            date_of_birth=date(1990, 1, 1),
            lead_agency=probation,
            gender=gender,
            by=None,
        )
    client = Client(headers={"Authorization": f"Bearer {token_for('probation')}"})
    client.raise_request_exception = False
    return client


def test_every_enum_and_date_filter_refuses_what_it_cannot_use(api):
    filters = _filters(api.get("/api/schema/?format=json").json())
    assert len(filters) >= 25  # the people, records and panels tracker filters
    someone = api.get("/api/v1/people/").json()["results"][0]["id"]
    for template, name, spec in filters:
        path = template.replace("{person_id}", str(someone))
        assert "{" not in path
        bad = ["", "   ", "2024-02-30" if spec.get("format") == "date" else "not-a-choice"]
        for value in bad:
            response = api.get(path, {name: value})
            assert response.status_code == 400, (path, name, value, response.content)
            body = response.json()
            field = name.removesuffix("_after").removesuffix("_before")
            assert field in body or name in body, (path, name, body)


def test_the_issue_cases(api):
    """Blank choices and bad dates were answered as if not asked (#13)."""
    for url, field in (
        ("/api/v1/people/?gender=", "gender"),
        ("/api/v1/people/?brag=", "brag"),
        ("/api/v1/offences/?offence_date_after=", "offence_date"),
        ("/api/v1/offences/?offence_date_after=yesterday", "offence_date"),
        ("/api/v1/cohort-memberships/?active_on=2024-13-01", "active_on"),
        ("/api/v1/panels/actions/?status=lost", "status"),
        ("/api/v1/panels/actions/?view=", "view"),
    ):
        response = api.get(url)
        assert response.status_code == 400, url
        assert field in response.json(), (url, response.json())


def test_good_filters_still_filter(api):
    everyone = api.get("/api/v1/people/").json()["count"]
    women = api.get("/api/v1/people/", {"gender": "female"}).json()
    assert 0 < women["count"] < everyone
    assert {p["gender"] for p in women["results"]} == {"female"}
    assert api.get("/api/v1/panels/actions/", {"view": "mine", "status": "open"}).status_code == 200
