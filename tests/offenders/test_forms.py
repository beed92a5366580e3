"""Every practitioner write through its page: personas, validation, stale edits."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone

from offenders import services
from offenders.models import (
    Alias,
    BragChange,
    Cohort,
    CohortMembership,
    Contact,
    Disposal,
    DisposalType,
    Enforcement,
    Offence,
    Person,
    RiskAssessment,
)
from rrcase.audit.models import AuditEvent

from .conftest import user

pytestmark = pytest.mark.django_db


def day_fields(name: str, day: date) -> dict[str, str]:
    return {f"{name}_day": str(day.day), f"{name}_month": str(day.month),
            f"{name}_year": str(day.year)}  # fmt: skip


def write_urls(person: Person) -> list[str]:
    membership = CohortMembership.objects.filter(person=person).first()
    urls = [
        f"/people/{person.pk}/edit/",
        f"/people/{person.pk}/brag/",
        f"/people/{person.pk}/contacts/new/",
        f"/people/{person.pk}/enforcement/new/",
        f"/people/{person.pk}/assessments/new/",
        f"/people/{person.pk}/cohorts/adopt/",
        f"/people/{person.pk}/cohorts/adopt/check/",
        f"/cohorts/candidates/{person.pk}/adopt/",
    ]
    if membership is not None:
        urls.append(f"/people/{person.pk}/cohorts/{membership.pk}/deselect/")
    disposal = Disposal.objects.filter(person=person).first()
    if disposal is not None:
        urls.append(f"/people/{person.pk}/disposals/{disposal.pk}/end/")
    return urls


@pytest.fixture
def member(shared_with_housing):
    services.cohort_adopt(person=shared_with_housing, cohort=Cohort.DIP,
                          start_date=date(2025, 1, 1), reason="Class A", by=None)  # fmt: skip
    community_order(shared_with_housing)
    return shared_with_housing


def community_order(person: Person) -> Disposal:
    return Disposal.objects.create(person=person, reference=f"D-{person.reference}",
                                   type=DisposalType.COMMUNITY_ORDER, start_date=date(2025, 1, 6),
                                   end_date=date(2026, 7, 5), supervised_by_probation=True,
                                   has_rar=True)  # fmt: skip


def test_every_write_page_is_one_consultation_of_the_person(sign_in, member):
    """The form pages show the name and reference, so each GET is a consultation
    (issue #13 item 3: edit, BRAG, record a contact… recorded none)."""
    client = sign_in("probation")
    session = client.session
    session["cohort_adopt"] = {
        str(member.pk): {"cohort": "iom", "start_date": "2025-02-03", "reason": "Walk"}
    }
    session.save()
    for url in write_urls(member):
        before = AuditEvent.objects.count()
        response = client.get(url)
        assert response.status_code == 200, url
        assert member.reference in response.content.decode(), url
        consulted = AuditEvent.objects.order_by("pk")[before:]
        assert [(e.action, e.person_id) for e in consulted] == [("consult", member.pk)], url


@pytest.mark.parametrize("method", ["get", "post"])
def test_read_only_partner_gets_403_on_every_write(sign_in, member, method):
    client = sign_in("housing")
    for url in write_urls(member):
        assert getattr(client, method)(url).status_code == 403, url


@pytest.mark.parametrize("method", ["get", "post"])
def test_outsider_gets_404_on_every_write(sign_in, member, method):
    client = sign_in("police")
    for url in write_urls(member):
        assert getattr(client, method)(url).status_code == 404, url


@pytest.mark.parametrize("username", ["analyst", "sysadmin"])
def test_analyst_and_sysadmin_get_403_on_every_write(sign_in, member, username):
    client = sign_in(username)
    for url in [*write_urls(member), "/people/new/"]:
        assert client.post(url).status_code == 403, url


def test_agency_admin_reads_but_does_not_write(sign_in, member):
    client = sign_in("probation-admin")
    assert client.get(f"/people/{member.pk}/").status_code == 200
    assert client.post(f"/people/{member.pk}/brag/").status_code == 403


def test_record_a_missed_appointment(sign_in, person):
    client = sign_in("probation")
    form = client.get(f"/people/{person.pk}/contacts/new/").content.decode()
    assert 'class="govuk-date-input"' in form
    response = client.post(
        f"/people/{person.pk}/contacts/new/",
        {"kind": "appointment", "outcome": "missed_unacceptable", "sensitivity": "standard",
         "notes": "No reply at the door", **day_fields("occurred_on", timezone.localdate())},
    )  # fmt: skip
    assert response.status_code == 302
    contact = Contact.objects.get()
    assert contact.outcome == "missed_unacceptable"
    assert contact.agency.code == "probation"
    followed = client.get(response["Location"]).content.decode()
    assert "Contact recorded" in followed  # the confirmation banner


def test_contact_form_errors_use_the_govuk_error_summary(sign_in, person):
    response = sign_in("probation").post(
        f"/people/{person.pk}/contacts/new/",
        {"kind": "drug_test", "outcome": "attended", "drug_test_result": "positive",
         "sensitivity": "standard", "occurred_on_day": "31", "occurred_on_month": "2",
         "occurred_on_year": "2025"},
    )  # fmt: skip
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body
    assert "The date of contact must be a real date" in body
    assert 'href="#id_occurred_on"' in body  # links to the day box
    assert 'id="id_occurred_on"' in body
    assert "Enter the substances the test found" in body
    assert not Contact.objects.exists()


def test_contact_sensitivity_choices_follow_the_sharing_agreement(sign_in, shared_with_housing):
    from offenders.models import InvolvementReason
    from rrcase.access.models import Agency

    services.involvement_start(
        person=shared_with_housing,
        agency=Agency.objects.get(code="housing"),
        reason=InvolvementReason.SHARE,
        can_change=True,
        by=None,
    )
    form = sign_in("housing").get(f"/people/{shared_with_housing.pk}/contacts/new/")
    assert 'value="police_intelligence"' not in form.content.decode()
    response = sign_in("housing").post(
        f"/people/{shared_with_housing.pk}/contacts/new/",
        {"kind": "note", "sensitivity": "police_intelligence", "notes": "x",
         **day_fields("occurred_on", date(2025, 1, 1))},
    )  # fmt: skip
    assert response.status_code == 200
    assert not Contact.objects.exists()


def test_change_brag_needs_a_reason(sign_in, person):
    client = sign_in("probation")
    url = f"/people/{person.pk}/brag/"
    missing = client.post(url, {"status": "red", "reason": "", "version": person.version})
    assert "Enter the reason for the BRAG change" in missing.content.decode()
    done = client.post(url, {"status": "red", "reason": "Reoffended", "version": person.version})
    assert done.status_code == 302
    assert Person.objects.get(pk=person.pk).brag == "red"
    assert BragChange.objects.get().reason == "Reoffended"


def test_stale_brag_change_shows_their_change_and_keeps_mine(sign_in, person):
    read_version = person.version
    services.brag_change(person=person, status="green", reason="Engaging",
                         version=person.version, by=user("probation2"))  # fmt: skip
    response = sign_in("probation").post(
        f"/people/{person.pk}/brag/",
        {"status": "red", "reason": "My careful reason", "version": read_version},
    )
    body = response.content.decode()
    assert response.status_code == 409
    assert "Someone else changed this record" in body
    assert "Green" in body  # their change
    assert "Their reason: Engaging" in body
    assert "My careful reason" in body  # my input, kept
    assert f'value="{read_version + 1}"' in body  # resubmitting is against the current version
    assert BragChange.objects.count() == 1


def test_edit_details_and_stale_edit(sign_in, person):
    client = sign_in("probation")
    url = f"/people/{person.pk}/edit/"
    page = client.get(url).content.decode()
    assert f'name="version" value="{person.version}"' in page
    data = {"version": person.version, "given_name": "Jordan", "family_name": "Whitfield-Smith",
            "gender": "male", "custody_status": "community", "pnc_id": "12/345678A",
            **day_fields("date_of_birth", date(1990, 6, 16))}  # fmt: skip
    assert client.post(url, data).status_code == 302
    assert Person.objects.get(pk=person.pk).family_name == "Whitfield-Smith"
    # The same form again, now stale.
    data["family_name"] = "Other"
    stale = client.post(url, data)
    assert stale.status_code == 409
    assert "Whitfield-Smith" in stale.content.decode()
    assert Person.objects.get(pk=person.pk).family_name == "Whitfield-Smith"


def test_a_missing_version_is_refused(sign_in, person):
    response = sign_in("probation").post(f"/people/{person.pk}/brag/",
                                         {"status": "red", "reason": "x"})  # fmt: skip
    assert response.status_code == 200
    assert not BragChange.objects.exists()


def test_adopt_into_a_cohort_with_check_your_answers(sign_in, person):
    client = sign_in("probation")
    url = f"/people/{person.pk}/cohorts/adopt/"
    missing = client.post(url, {"cohort": "mappa", "reason": "Violent offender",
                                **day_fields("start_date", date(2026, 1, 5))})  # fmt: skip
    assert "Select the MAPPA level" in missing.content.decode()
    step1 = client.post(url, {"cohort": "mappa", "reason": "Violent offender", "mappa_level": "2",
                              "mappa_category": "2",
                              **day_fields("start_date", date(2026, 1, 5))})  # fmt: skip
    assert step1.status_code == 302
    assert not CohortMembership.objects.exists()  # nothing saved before the check
    check = client.get(step1["Location"]).content.decode()
    assert "Check your answers" in check
    assert "5 January 2026" in check
    assert "Level 2" in check
    done = client.post(step1["Location"])
    assert done.status_code == 302
    membership = CohortMembership.objects.get()
    assert (membership.cohort, membership.mappa_level) == ("mappa", 2)
    assert "Adopted into MAPPA" in client.get(done["Location"]).content.decode()


def test_deselect_needs_a_reason(sign_in, person):
    membership = services.cohort_adopt(person=person, cohort=Cohort.IOM,
                                       start_date=date(2025, 1, 1), reason="Matrix",
                                       strand="fixed", by=None)  # fmt: skip
    client = sign_in("probation")
    url = f"/people/{person.pk}/cohorts/{membership.pk}/deselect/"
    data = {"version": membership.version, **day_fields("end_date", date(2026, 1, 1))}
    assert "Enter the reason" in client.post(url, {**data, "reason": ""}).content.decode()
    assert client.post(url, {**data, "reason": "Completed order"}).status_code == 302
    membership.refresh_from_db()
    assert membership.deselection_reason == "Completed order"


def test_record_enforcement_with_recall_decision_time(sign_in, person):
    client = sign_in("probation")
    url = f"/people/{person.pk}/enforcement/new/"
    today = timezone.localdate()
    data = {"kind": "recall_requested", "occurred_time": "14:30", "sensitivity": "standard",
            **day_fields("occurred_on", today)}  # fmt: skip
    assert "Enter the date of the recall decision" in client.post(url, data).content.decode()
    data.update(day_fields("decision_on", today), decision_time="13:00")
    assert client.post(url, data).status_code == 302
    enforcement = Enforcement.objects.get()
    assert timezone.localtime(enforcement.decision_at).hour == 13


def test_record_assessment_updates_rosh(sign_in, person):
    client = sign_in("probation")
    url = f"/people/{person.pk}/assessments/new/"
    data = {"rosh": "high", "ogrs3_1y": "40", **day_fields("assessed_on", date(2025, 6, 1))}
    assert client.post(url, data).status_code == 302
    assert Person.objects.get(pk=person.pk).rosh == "high"
    again = client.post(url, data)
    assert "There is already an assessment on this date" in again.content.decode()
    assert RiskAssessment.objects.count() == 1


def create_data(**overrides):
    return {"reference": "N777777", "given_name": "Casey", "family_name": "Morrow",
            "gender": "female", "pnc_id": "", **day_fields("date_of_birth", date(1995, 2, 3)),
            **overrides}  # fmt: skip


def test_create_a_person_led_by_my_agency(sign_in, borough):
    client = sign_in("police")
    response = client.post("/people/new/", create_data(lead_agency="1"))
    assert response.status_code == 302
    created = Person.objects.get(reference="N777777")
    assert created.lead_agency.code == "police"  # lead_agency in the POST is ignored
    assert AuditEvent.objects.filter(action="collect", person_id=created.pk).exists()


def test_create_refuses_a_known_pnc_and_links_the_match(sign_in, person):
    response = sign_in("probation").post("/people/new/", create_data(pnc_id="12/345678a"))
    body = response.content.decode()
    assert "A person with this PNC ID already exists" in body
    assert f'href="/people/{person.pk}/"' in body


def test_create_refuses_a_pnc_held_by_another_agency_without_naming_them(sign_in, person):
    body = sign_in("police").post("/people/new/", create_data(pnc_id="12/345678A")).content
    assert b"your agency has no access" in body
    assert b"Whitfield" not in body


def test_create_warns_about_a_similar_record_then_creates_anyway(sign_in, person):
    client = sign_in("probation")
    data = create_data(given_name="Jordon", family_name="Whitfield",
                       **day_fields("date_of_birth", date(1990, 6, 16)))  # fmt: skip
    warning = client.post("/people/new/", data)
    body = warning.content.decode()
    assert "This person may already have a record" in body
    assert f'href="/people/{person.pk}/"' in body
    assert not Person.objects.filter(reference="N777777").exists()
    confirmed = client.post("/people/new/", {**data, "confirmed": "True"})
    assert confirmed.status_code == 302
    assert Person.objects.filter(reference="N777777").exists()


def test_merge_moves_history_and_logs_a_combination(sign_in, person, make_person):
    duplicate = make_person(reference="N900002", given_name="Jordon", family_name="Whitfield",
                            nomis_number="A1234BC")  # fmt: skip
    Offence.objects.create(person=duplicate, reference="DUP-O1", offence_date=date(2024, 1, 1),
                           category="robbery", outcome="pending")  # fmt: skip
    services.brag_change(person=duplicate, status="red", reason="x", version=duplicate.version,
                         by=None)  # fmt: skip
    assert sign_in("probation").post(f"/people/{person.pk}/merge/").status_code == 403
    client = sign_in("probation-admin")
    response = client.post(f"/people/{person.pk}/merge/",
                           {"duplicate_reference": "N900002",
                            "justification": "Same PNC on the court record"})  # fmt: skip
    assert response.status_code == 302
    assert not Person.objects.filter(pk=duplicate.pk).exists()
    assert Offence.objects.get(reference="DUP-O1").person_id == person.pk
    assert BragChange.objects.get().person_id == person.pk
    person.refresh_from_db()
    assert person.nomis_number == "A1234BC"
    assert Alias.objects.filter(person=person, given_name="Jordon").exists()
    events = AuditEvent.objects.filter(action="combine")
    assert {e.person_id for e in events} == {person.pk, duplicate.pk}


def test_date_input_rejects_partial_dates(sign_in, person):
    response = sign_in("probation").post(
        f"/people/{person.pk}/assessments/new/",
        {"assessed_on_day": "3", "assessed_on_month": "", "assessed_on_year": "2025"},
    )
    assert "The date of assessment must include a month" in response.content.decode()


def test_future_contact_dates_are_refused(sign_in, person):
    response = sign_in("probation").post(
        f"/people/{person.pk}/contacts/new/",
        {"kind": "phone", "outcome": "attended", "sensitivity": "standard",
         **day_fields("occurred_on", timezone.localdate() + timedelta(days=2))},
    )  # fmt: skip
    assert "must be today or in the past" in response.content.decode()


def test_merge_refuses_mixed_restriction(person, make_person):
    other = make_person(reference="N900005")
    services.person_restrict(person=other, named_users=[user("probation")], by=user("probation"),
                             justification="Relative")  # fmt: skip
    with pytest.raises(ValueError, match="restricted"):
        services.person_merge(survivor=person, duplicate=other, justification="x",
                              by=user("sysadmin"))  # fmt: skip


@pytest.mark.parametrize("username", ["probation-admin", "dpo", "analyst"])
def test_only_practitioners_add_people(sign_in, borough, username):
    assert sign_in(username).get("/people/new/").status_code == 403
    assert sign_in(username).post("/people/new/", create_data()).status_code == 403
    assert not Person.objects.filter(reference="N777777").exists()


def test_allocate_an_offender_manager_and_spoc(sign_in, person):
    client = sign_in("probation")
    url = f"/people/{person.pk}/edit/"
    page = client.get(url).content.decode()
    assert "Rowan Ashdown" in page  # probation practitioners as offender managers
    assert "Jesse Tarrant" in page  # police practitioners as SPOCs
    assert "Casey Holbrook" not in page  # housing staff are neither
    data = {"version": person.version, "given_name": "Jordan", "family_name": "Whitfield",
            "gender": "male", "custody_status": "community", "pnc_id": "12/345678A",
            "offender_manager": user("probation").pk, "police_spoc": user("police").pk,
            **day_fields("date_of_birth", date(1990, 6, 16))}  # fmt: skip
    assert client.post(url, data).status_code == 302
    person.refresh_from_db()
    assert person.offender_manager == user("probation")
    assert person.police_spoc == user("police")
    caseload = client.get("/cases/?tab=caseload").content.decode()
    assert "WHITFIELD, Jordan" in caseload
    # Someone outside the choices is refused.
    data.update(version=person.version, offender_manager=user("housing").pk)
    assert client.post(url, data).status_code == 200


def test_record_the_end_of_a_sentence_from_the_sentence_tab(sign_in, person):
    disposal = community_order(person)
    client = sign_in("probation")
    url = f"/people/{person.pk}/disposals/{disposal.pk}/end/"
    tab = client.get(f"/people/{person.pk}/sentence/").content.decode()
    assert f'href="{url}"' in tab
    assert "Record the end" in tab
    page = client.get(url).content.decode()
    assert "Community order from 6 January 2025, due to end 5 July 2026." in page
    assert f'name="version" value="{disposal.version}"' in page
    data = {"version": disposal.version, "reason": "Order revoked after a breach",
            **day_fields("terminated_date", date(2025, 9, 30))}  # fmt: skip
    done = client.post(url, data)
    assert done.status_code == 302
    assert done["Location"] == f"/people/{person.pk}/sentence/"
    disposal.refresh_from_db()
    assert (disposal.terminated_date, disposal.termination_reason) == (
        date(2025, 9, 30), "Order revoked after a breach")  # fmt: skip
    tab = client.get(done["Location"]).content.decode()
    assert "Community order ended" in tab  # the confirmation banner
    assert "Terminated 30 September 2025" in tab
    assert "Order revoked after a breach" in tab
    assert f'href="{url}"' not in tab  # nothing left to end
    assert client.get(url).status_code == 404
    # The same form sent again says what happened instead of ending it twice.
    again = client.post(url, data).content.decode()
    assert "There is a problem" in again
    assert "already ended, on 30 September 2025" in again


@pytest.mark.parametrize(
    ("day", "reason", "error"),
    [
        (date(2024, 12, 31), "Completed", "must be on or after the start date, 6 January 2025"),
        (None, "Completed", "must be today or in the past"),  # tomorrow
        (date(2025, 9, 30), "", "Enter why the sentence or order ended"),
    ],
)
def test_ending_a_sentence_with_bad_input_keeps_what_was_typed(sign_in, person, day, reason,
                                                                error):  # fmt: skip
    disposal = community_order(person)
    day = day or timezone.localdate() + timedelta(days=1)
    response = sign_in("probation").post(
        f"/people/{person.pk}/disposals/{disposal.pk}/end/",
        {"version": disposal.version, "reason": reason, **day_fields("terminated_date", day)},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body
    assert error in body
    typed = re.search(r'<input[^>]*name="terminated_date_year"[^>]*value="(\d+)"', body)
    assert typed is not None
    assert typed.group(1) == str(day.year)
    if reason:
        assert f"{reason}</textarea>" in body
    disposal.refresh_from_db()
    assert disposal.terminated_date is None


def test_a_stale_end_of_sentence_is_refused(sign_in, person):
    disposal = community_order(person)
    response = sign_in("probation").post(
        f"/people/{person.pk}/disposals/{disposal.pk}/end/",
        {"version": disposal.version + 1, "reason": "Completed",
         **day_fields("terminated_date", date(2025, 9, 30))},
    )  # fmt: skip
    assert "Someone else changed this sentence or order" in response.content.decode()
    disposal.refresh_from_db()
    assert disposal.terminated_date is None


def test_another_persons_disposal_is_404(sign_in, person, make_person):
    other = community_order(make_person())
    url = f"/people/{person.pk}/disposals/{other.pk}/end/"
    assert sign_in("probation").get(url).status_code == 404
