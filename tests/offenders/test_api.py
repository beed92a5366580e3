"""The REST API under /api/v1/, by persona (STYLE.md): the lead agency's
practitioner (probation), a partner with a read grant (housing), an outsider
agency (police), an analyst."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from offenders import services
from offenders.api.auth import api_token_issue, api_token_revoke
from offenders.models import (
    Contact,
    InvolvementReason,
    Offence,
    Person,
    Sensitivity,
)
from rrcase.access.models import Agency
from rrcase.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def user(username: str) -> User:
    return User.objects.get(username=username)


def make_person(n: int, agency: Agency) -> Person:
    person = services.person_create(
        reference=f"API{n:05d}",
        given_name="Api",
        family_name=f"Person{n:05d}",
        date_of_birth=date(1985, 1, 1),
        lead_agency=agency,
        by=None,
    )
    Offence.objects.create(
        person=person,
        reference=f"AO{n:05d}",
        offence_date=date(2023, 1, 1),
        category="shoplifting",
        outcome="conviction",
        outcome_date=date(2023, 2, 1),
    )
    return person


@pytest.fixture
def probation(borough) -> Agency:
    return Agency.objects.get(code="probation")


@pytest.fixture
def person(probation) -> Person:
    return make_person(1, probation)


@pytest.fixture
def shared_with_housing(person) -> Person:
    services.involvement_start(
        person=person,
        agency=Agency.objects.get(code="housing"),
        reason=InvolvementReason.REFERRAL,
        source="r1",
        by=None,
    )
    return person


CONTACT = {"kind": "appointment", "occurred_on": "2024-05-01", "outcome": "attended"}


def test_the_lead_agency_lists_and_reads_its_people(sign_in, person):
    client = sign_in("probation")
    listing = client.get("/api/v1/people/").json()
    assert listing["count"] == 1
    assert listing["results"][0]["reference"] == "API00001"
    assert listing["results"][0]["lead_agency"] == "probation"
    detail = client.get(f"/api/v1/people/{person.pk}/")
    assert detail.status_code == 200
    assert detail.json()["version"] == 1
    offences = client.get("/api/v1/offences/").json()
    assert [o["reference"] for o in offences["results"]] == ["AO00001"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/people/{person}/",
        "/api/v1/people/{person}/contacts/",
        "/api/v1/offences/{offence}/",
    ],
)
def test_an_outsider_gets_404(sign_in, person, url):
    offence = person.offences.get()
    response = sign_in("police").get(url.format(person=person.pk, offence=offence.pk))
    assert response.status_code == 404


def test_an_outsider_cannot_record_a_contact_and_gets_404(sign_in, person):
    response = sign_in("police").post(
        f"/api/v1/people/{person.pk}/contacts/", CONTACT, content_type="application/json"
    )
    assert response.status_code == 404
    assert not Contact.objects.exists()


def test_an_outsider_lists_nothing(sign_in, person):
    client = sign_in("police")
    for url in ("/api/v1/people/", "/api/v1/offences/", "/api/v1/contacts/"):
        assert client.get(url).json()["count"] == 0


def test_a_read_only_partner_reads_but_gets_403_on_write(sign_in, shared_with_housing):
    client = sign_in("housing")
    assert client.get(f"/api/v1/people/{shared_with_housing.pk}/").status_code == 200
    response = client.post(
        f"/api/v1/people/{shared_with_housing.pk}/contacts/",
        CONTACT,
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not Contact.objects.exists()


def test_the_analyst_sees_no_people_even_from_an_involved_agency(sign_in, person):
    services.involvement_start(
        person=person, agency=Agency.objects.get(code="council"), reason="panel", by=None
    )
    client = sign_in("analyst")
    assert client.get("/api/v1/people/").json()["count"] == 0
    assert client.get("/api/v1/offences/").json()["count"] == 0
    assert client.get(f"/api/v1/people/{person.pk}/").status_code == 403


def test_the_lead_practitioner_records_a_contact(sign_in, person):
    client = sign_in("probation")
    response = client.post(
        f"/api/v1/people/{person.pk}/contacts/",
        {**CONTACT, "agency": "police", "recorded_by": 1, "id": 999, "notes": "Seen at office"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["agency"] == "probation"  # not mass-assignable
    contact = Contact.objects.get()
    assert contact.pk == body["id"] != 999
    assert contact.recorded_by == user("probation")
    assert contact.notes == "Seen at office"
    assert AuditEvent.objects.filter(action="collect", object_id=str(contact.pk)).exists()
    listing = client.get(f"/api/v1/people/{person.pk}/contacts/").json()
    assert [c["id"] for c in listing["results"]] == [contact.pk]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"occurred_on": "2024-05-01"}, "kind"),
        ({"kind": "telepathy", "occurred_on": "2024-05-01"}, "kind"),
        ({"kind": "phone", "occurred_on": "01/05/2024"}, "occurred_on"),
        ({"kind": "phone", "occurred_on": "2024-05-01", "outcome": "maybe"}, "outcome"),
        ({"kind": "phone", "occurred_on": "2024-05-01", "sensitivity": "secret"}, "sensitivity"),
        # Probation may not record police intelligence (the sharing agreement).
        (
            {"kind": "note", "occurred_on": "2024-05-01", "sensitivity": "police_intelligence"},
            "sensitivity",
        ),
    ],
)
def test_bad_input_is_a_400_naming_the_field(sign_in, person, data, field):
    response = sign_in("probation").post(
        f"/api/v1/people/{person.pk}/contacts/", data, content_type="application/json"
    )
    assert response.status_code == 400
    assert field in response.json()
    assert not Contact.objects.exists()


def test_contacts_of_a_class_the_agency_may_not_see_are_absent(sign_in, shared_with_housing):
    for sensitivity in (Sensitivity.STANDARD, Sensitivity.HEALTH):
        services.contact_record(
            person=shared_with_housing,
            kind="note",
            occurred_on=date(2024, 1, 1),
            by=user("probation"),
            sensitivity=sensitivity,
        )
    health = Contact.objects.get(sensitivity=Sensitivity.HEALTH)
    housing = sign_in("housing")
    listing = housing.get("/api/v1/contacts/").json()
    assert [c["sensitivity"] for c in listing["results"]] == ["standard"]
    assert housing.get(f"/api/v1/contacts/{health.pk}/").status_code == 404
    probation = sign_in("probation")
    assert probation.get("/api/v1/contacts/").json()["count"] == 2


def test_lists_are_paginated(sign_in, probation):
    for n in range(30):
        make_person(n, probation)
    client = sign_in("probation")
    first = client.get("/api/v1/people/").json()
    assert first["count"] == 30
    assert len(first["results"]) == 25
    assert first["next"].endswith("?page=2")
    second = client.get("/api/v1/people/?page=2").json()
    assert len(second["results"]) == 5


def test_filters_work_and_their_choices_are_scoped_to_the_user(sign_in, probation):
    mine = make_person(1, probation)
    police_only = make_person(2, Agency.objects.get(code="police"))
    client = sign_in("probation")
    assert client.get("/api/v1/people/?lead_agency=probation").json()["count"] == 1
    # Police leads no one probation can see: not a valid choice, so a 400 —
    # the same as for an agency code that does not exist.
    assert client.get("/api/v1/people/?lead_agency=police").status_code == 400
    assert client.get("/api/v1/people/?lead_agency=nowhere").status_code == 400
    assert client.get(f"/api/v1/offences/?person={mine.pk}").json()["count"] == 1
    hidden = client.get(f"/api/v1/offences/?person={police_only.pk}")
    missing = client.get("/api/v1/offences/?person=999999")
    assert hidden.status_code == missing.status_code == 400
    assert set(hidden.json()) == set(missing.json()) == {"person"}
    assert client.get("/api/v1/offences/?category=robbery").json()["count"] == 0
    assert client.get("/api/v1/offences/?category=shoplifting").json()["count"] == 1


def test_each_read_is_one_consultation_listing_the_ids(sign_in, probation):
    people = [make_person(n, probation) for n in range(3)]
    client = sign_in("probation")
    before = AuditEvent.objects.count()
    client.get("/api/v1/offences/")
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.order_by("-id").first()
    assert event.action == "consult"
    assert event.details["api"] == "offences"
    assert sorted(event.details["person_ids"]) == sorted(p.pk for p in people)
    assert len(event.details["ids"]) == 3


@pytest.mark.parametrize("people", [5, 50])
@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/people/",
        "/api/v1/offences/",
        "/api/v1/contacts/",
        "/api/v1/cohort-memberships/",
        "/api/v1/disposals/",
        "/api/v1/assessments/",
        "/api/v1/enforcements/",
    ],
)
def test_list_query_count_does_not_grow_with_rows(
    sign_in, probation, django_assert_max_num_queries, people, url
):
    """Guards against N+1 on lead_agency / agency and per-row scope checks."""
    for n in range(people):
        make_person(n, probation)
    client = sign_in("probation")
    client.get(url)  # warm the session
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert response.status_code == 200


def test_an_unverified_session_may_not_use_the_api(client, person):
    client.force_login(user("probation"))  # password only, no second factor
    assert client.get("/api/v1/people/").status_code == 403


def test_signed_out_calls_get_401(client, person):
    assert Client().get("/api/v1/people/").status_code == 401


def test_a_token_is_issued_only_to_users_with_a_second_factor(probation):
    from rrcase.access.services import user_create

    newcomer = user_create(
        username="newcomer",
        first_name="New",
        last_name="Comer",
        email="new@example.org",
        agency=probation,
        role="practitioner",
        password=None,
        by=None,
    )
    with pytest.raises(ValueError, match="second factor"):
        api_token_issue(user=newcomer, name="nDelius sync", by=None)


def test_a_token_authenticates_until_it_is_revoked(person):
    officer = user("probation")
    TOTPDevice.objects.get_or_create(user=officer, defaults={"name": "phone", "confirmed": True})
    token, key = api_token_issue(user=officer, name="nDelius sync", by=None)
    client = Client()
    response = client.get("/api/v1/people/", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200
    assert response.json()["count"] == 1
    assert client.get("/api/v1/people/", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    api_token_revoke(token=token, by=None)
    assert client.get("/api/v1/people/", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


def test_a_token_holder_writes_without_csrf(person):
    officer = user("probation")
    TOTPDevice.objects.get_or_create(user=officer, defaults={"name": "phone", "confirmed": True})
    _, key = api_token_issue(user=officer, name="sync", by=None)
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        f"/api/v1/people/{person.pk}/contacts/",
        CONTACT,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 201


def test_the_schema_generates_without_warnings(tmp_path: Path, borough):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    for path in (
        "/api/v1/people/",
        "/api/v1/people/{person_id}/contacts/",
        "/api/v1/cohort-memberships/",
        "/api/v1/disposals/",
        "/api/v1/offences/",
        "/api/v1/contacts/",
        "/api/v1/assessments/",
        "/api/v1/enforcements/",
    ):
        assert f"  {path}:" in text


def test_the_schema_needs_sign_in(client, borough):
    assert client.get("/api/schema/").status_code in (302, 401, 403)


def test_a_new_api_view_may_not_bypass_scoping():
    from offenders.api.views import _PersonRecordBase

    with pytest.raises(TypeError, match="must not override get_queryset"):

        class Leaky(_PersonRecordBase):
            def get_queryset(self):
                return Person.objects.all()


def test_the_token_command_issues_and_revokes(person, capsys):
    officer = user("probation")
    TOTPDevice.objects.get_or_create(user=officer, defaults={"name": "phone", "confirmed": True})
    call_command("issue_api_token", "probation", "--name", "sync")
    key = capsys.readouterr().out.strip().splitlines()[-1]
    assert Client().get("/api/v1/people/", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
    call_command("issue_api_token", "probation", "--revoke", key[:8])
    assert Client().get("/api/v1/people/", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401
