"""Merging duplicate records (issue #13 item 4; docs/access.md "Merging records").

Two ways in, neither showing a person to someone who may not read them:
`/people/<id>/merge/`, the person's own page, for the lead agency's admin only;
and `/people/merge/`, two case references and a reason, for system admins (who
never see people) and agency admins. Every persona is tried against both.
"""

from __future__ import annotations

from datetime import date

import pytest

from offenders import services
from offenders.models import InvolvementReason, Offence, Person
from rrcase.access import services as access_services
from rrcase.access.models import Agency
from rrcase.audit.models import Action, AuditEvent

from .conftest import user

pytestmark = pytest.mark.django_db

BY_REFERENCE = "/people/merge/"


@pytest.fixture
def police_admin(borough):
    """An agency admin of another agency, involved with the person (a cohort)."""
    return access_services.user_create(
        username="police-admin", first_name="Pat", last_name="Oakes",
        email="police-admin@northbridge.example", agency=Agency.objects.get(code="police"),
        role="agency_admin", password=None, by=None,
    )  # fmt: skip


@pytest.fixture
def involved_police(person):
    services.involvement_start(
        person=person, agency=Agency.objects.get(code="police"),
        reason=InvolvementReason.COHORT, source="cohort:1", by=None,
    )  # fmt: skip
    return person


@pytest.fixture
def duplicate(make_person):
    duplicate = make_person(reference="N900002", given_name="Jordon", family_name="Whitfield")
    Offence.objects.create(person=duplicate, reference="DUP-O1", offence_date=date(2024, 1, 1),
                           category="robbery", outcome="pending")  # fmt: skip
    return duplicate


def merge_data(**overrides: str) -> dict[str, str]:
    return {"keep_reference": "N900001", "duplicate_reference": "N900002",
            "justification": "Same PNC on the court record (asked by Harper Stanwell)",
            **overrides}  # fmt: skip


# --- the person's own merge page --------------------------------------------------


@pytest.mark.parametrize(
    ("username", "status"),
    [
        # An agency not involved with the person: the record does not exist for it.
        ("chair", 404),
        ("dpo", 404),
        # Involved (police through a cohort, probation leads) but not the lead admin.
        ("police", 403),
        ("police-admin", 403),
        ("probation", 403),
        ("probation2", 403),
        # Roles that never see people: 403 whatever the id.
        ("analyst", 403),
        ("sysadmin", 403),
        ("probation-admin", 200),
    ],
)
def test_person_merge_page_for_each_persona(
    sign_in, involved_police, police_admin, duplicate, username, status
):
    person = involved_police
    client = sign_in(username)
    page = client.get(f"/people/{person.pk}/merge/")
    assert page.status_code == status
    posted = client.post(f"/people/{person.pk}/merge/", merge_data())
    if status == 200:
        assert "Jordan Whitfield" in page.content.decode()
        assert posted.status_code == 302
        assert not Person.objects.filter(pk=duplicate.pk).exists()
    else:
        assert "Whitfield" not in page.content.decode()
        assert "N900001" not in page.content.decode()
        assert posted.status_code == status
        assert Person.objects.filter(pk=duplicate.pk).exists()


def test_outsider_agency_gets_404_on_the_person_merge_page(sign_in, person):
    # Police have no involvement with this probation-led person.
    assert sign_in("police").get(f"/people/{person.pk}/merge/").status_code == 404


def test_person_merge_page_refuses_a_restricted_record_the_admin_is_not_named_on(
    sign_in, person, duplicate
):
    services.person_restrict(person=person, named_users=[user("probation")],
                             by=user("probation"), justification="Relative on staff")  # fmt: skip
    client = sign_in("probation-admin")
    page = client.get(f"/people/{person.pk}/merge/")
    assert page.status_code == 403
    assert "Whitfield" not in page.content.decode()
    assert client.post(f"/people/{person.pk}/merge/", merge_data()).status_code == 403
    assert Person.objects.filter(pk=duplicate.pk).exists()
    # Named on it, the same admin may.
    services.person_restrict(person=person, named_users=[user("probation-admin")],
                             by=user("probation"), justification="Admin to merge")  # fmt: skip
    assert client.get(f"/people/{person.pk}/merge/").status_code == 200


def test_person_merge_page_is_a_consultation(sign_in, person):
    sign_in("probation-admin").get(f"/people/{person.pk}/merge/")
    assert (
        AuditEvent.objects.filter(
            action=Action.CONSULT, person_id=person.pk, actor__username="probation-admin"
        ).count()
        == 1
    )


def test_a_record_the_admin_may_not_merge_reads_as_missing(sign_in, person, make_person):
    police_led = make_person(reference="N900003", lead_agency=Agency.objects.get(code="police"))
    client = sign_in("probation-admin")
    hidden = client.post(f"/people/{person.pk}/merge/",
                         {"duplicate_reference": "N900003", "justification": "Same"})  # fmt: skip
    services.involvement_start(person=police_led, agency=Agency.objects.get(code="probation"),
                               reason=InvolvementReason.COHORT, by=None)  # fmt: skip
    visible = client.post(f"/people/{person.pk}/merge/",
                          {"duplicate_reference": "N900003", "justification": "Same"})  # fmt: skip
    missing = client.post(f"/people/{person.pk}/merge/",
                          {"duplicate_reference": "N999999", "justification": "Same"})  # fmt: skip
    message = "There is no other record with this reference that you may merge"
    for response in (hidden, visible, missing):
        assert message in response.content.decode()
    assert Person.objects.filter(reference="N900003").exists()


# --- merging by reference ---------------------------------------------------------


@pytest.mark.parametrize("username", ["probation", "police", "chair", "analyst", "dpo"])
def test_only_administrators_merge_by_reference(sign_in, person, duplicate, username):
    client = sign_in(username)
    assert client.get(BY_REFERENCE).status_code == 403
    assert client.post(BY_REFERENCE, merge_data()).status_code == 403
    assert Person.objects.filter(pk=duplicate.pk).exists()


def test_system_admin_merges_by_reference_and_is_shown_no_one(sign_in, person, duplicate):
    client = sign_in("sysadmin")
    form = client.get(BY_REFERENCE)
    assert form.status_code == 200
    # Back to the home page, not to the case list a system admin may not open.
    assert '<a href="/" class="govuk-back-link">Back</a>' in form.content.decode()
    response = client.post(BY_REFERENCE, merge_data(), follow=True)
    body = response.content.decode()
    assert "N900002 was merged into N900001" in body
    assert "Whitfield" not in body
    assert "Jordan" not in body
    assert not Person.objects.filter(pk=duplicate.pk).exists()
    assert Offence.objects.get(reference="DUP-O1").person_id == person.pk
    combined = AuditEvent.objects.filter(action=Action.COMBINE, actor__username="sysadmin")
    assert {e.person_id for e in combined} == {person.pk, duplicate.pk}
    assert "Harper Stanwell" in combined.first().justification
    # Nobody was shown to the system admin, so nobody was consulted.
    assert not AuditEvent.objects.filter(action=Action.CONSULT, actor__username="sysadmin",
                                         person_id__isnull=False).exists()  # fmt: skip


def test_system_admin_keeps_their_access_to_another_agencys_records_by_reference(
    sign_in, person, make_person
):
    make_person(reference="N900004", lead_agency=Agency.objects.get(code="police"))
    response = sign_in("sysadmin").post(BY_REFERENCE, merge_data(duplicate_reference="N900004"))
    assert response.status_code == 302
    assert not Person.objects.filter(reference="N900004").exists()
    # Police keep access through the moved involvement.
    from offenders.selectors import person_list_for

    assert person_list_for(user("police")).filter(pk=person.pk).exists()


def test_system_admin_cannot_merge_a_restricted_record(sign_in, person, duplicate):
    for record in (person, duplicate):
        services.person_restrict(person=record, named_users=[user("probation-admin")],
                                 by=user("probation"), justification="Relative")  # fmt: skip
    response = sign_in("sysadmin").post(BY_REFERENCE, merge_data())
    body = response.content.decode()
    assert response.status_code == 200
    # The same words as for a reference that does not exist: nothing is revealed.
    assert "There is no record with this reference that you may merge" in body
    assert "restricted" not in body.lower()
    assert Person.objects.filter(pk=duplicate.pk).exists()
    # The lead agency's admin, named on both, may.
    assert sign_in("probation-admin").post(BY_REFERENCE, merge_data()).status_code == 302
    assert not Person.objects.filter(pk=duplicate.pk).exists()


def test_unknown_and_repeated_references_are_refused_with_clear_errors(sign_in, person):
    client = sign_in("sysadmin")
    unknown = client.post(BY_REFERENCE, merge_data(duplicate_reference="N999999"))
    assert "There is no record with this reference that you may merge" in unknown.content.decode()
    same = client.post(BY_REFERENCE, merge_data(duplicate_reference="n900001"))
    assert "Enter two different case references" in same.content.decode()
    blank = client.post(BY_REFERENCE, {})
    assert "There is a problem" in blank.content.decode()
    assert "Enter why these records are the same person" in blank.content.decode()
    assert Person.objects.filter(reference="N900001").exists()


def test_agency_admin_merges_by_reference_only_records_their_agency_leads(
    sign_in, person, duplicate, make_person
):
    police_led = make_person(reference="N900005", lead_agency=Agency.objects.get(code="police"))
    services.involvement_start(person=police_led, agency=Agency.objects.get(code="probation"),
                               reason=InvolvementReason.COHORT, by=None)  # fmt: skip
    client = sign_in("probation-admin")
    refused = client.post(BY_REFERENCE, merge_data(duplicate_reference="N900005"))
    assert "There is no record with this reference that you may merge" in refused.content.decode()
    assert Person.objects.filter(pk=police_led.pk).exists()
    assert client.post(BY_REFERENCE, merge_data()).status_code == 302
    assert not Person.objects.filter(pk=duplicate.pk).exists()


def test_merge_links_are_offered_to_administrators(sign_in, person):
    assert "/people/merge/" in sign_in("sysadmin").get("/").content.decode()
    assert "/people/merge/" in sign_in("probation-admin").get("/").content.decode()
    assert "/people/merge/" not in sign_in("probation").get("/").content.decode()
    overview = sign_in("probation-admin").get(f"/people/{person.pk}/").content.decode()
    assert f"/people/{person.pk}/merge/" in overview
