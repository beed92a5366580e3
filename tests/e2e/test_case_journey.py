"""A practitioner finds a person by part of their name, records a missed
appointment and a BRAG change, and sees both on the Activity timeline."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from offenders import services
from offenders.models import Person
from rrcase.access.models import Agency
from tests.e2e.journeys import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_practitioner_finds_a_person_and_updates_them(page, borough, settings):
    probation = Agency.objects.get(code="probation")
    for given, family, ref in [("Kieran", "Doyle", "N100001"), ("Kim", "Dobson", "N100002"),
                               ("Alex", "Brown", "N100003")]:  # fmt: skip
        services.person_create(reference=ref, given_name=given, family_name=family,
                               date_of_birth=date(1991, 4, 2), lead_agency=probation,
                               by=None)  # fmt: skip

    sign_in(page, "probation", settings.DEMO_TOTP_SECRET)
    page.get_by_role("link", name="Cases", exact=True).click()
    expect(page.get_by_role("heading", name="Cases", level=1)).to_be_visible()
    page.axe.check()

    # Part of the first and last names; the search term must not reach the URL.
    page.get_by_label("Name, case reference or PNC ID").fill("kie doy")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("Showing 1 to 1 of 1 person")).to_be_visible()
    assert "kie" not in page.url.lower()
    assert "doy" not in page.url.lower()
    page.axe.check()

    page.get_by_role("link", name="DOYLE, Kieran").click()
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    expect(page.get_by_text("Date of birth: 2 April 1991")).to_be_visible()
    page.axe.check()

    # A missed appointment.
    page.get_by_role("link", name="Record a contact").first.click()
    expect(page.get_by_role("heading", name="Record a contact")).to_be_visible()
    page.axe.check()
    page.get_by_role("button", name="Record contact").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    page.axe.check()
    page.get_by_label("Appointment", exact=True).check()
    today = timezone.localdate()
    page.get_by_label("Day").fill(str(today.day))
    page.get_by_label("Month").fill(str(today.month))
    page.get_by_label("Year").fill(str(today.year))
    page.get_by_label("Missed (unacceptable)").check()
    page.get_by_label("Notes").fill("Did not attend; no contact by phone.")
    page.get_by_role("button", name="Record contact").click()
    expect(page.get_by_text("Contact recorded")).to_be_visible()
    page.axe.check()

    # A BRAG change, from the overview.
    page.get_by_role("link", name="Overview").click()
    page.axe.check()
    page.get_by_role("link", name="Change BRAG").click()
    expect(page.get_by_role("heading", name="Change BRAG status")).to_be_visible()
    page.axe.check()
    page.get_by_label("Red").check()
    page.get_by_label("Reason for the change").fill("Missed appointment and not engaging")
    page.get_by_role("button", name="Change BRAG").click()
    expect(page.get_by_text("BRAG status changed")).to_be_visible()
    page.axe.check()

    # Both on the timeline.
    page.get_by_role("link", name="Activity").click()
    timeline = page.locator(".moj-timeline")
    expect(timeline.get_by_role("heading", name="BRAG changed to Red")).to_be_visible()
    expect(timeline.get_by_text("Missed appointment and not engaging")).to_be_visible()
    expect(timeline.get_by_role("heading", name="Appointment")).to_be_visible()
    expect(timeline.get_by_text("Missed (unacceptable)")).to_be_visible()
    page.axe.check()

    assert Person.objects.get(reference="N100001").brag == "red"


def test_every_people_page_passes_axe(page, borough, settings):
    """The pages the journey above does not reach, each checked with axe."""
    from offenders.models import Cohort, Disposal, DisposalType, Offence

    probation = Agency.objects.get(code="probation")
    person = services.person_create(reference="N100010", given_name="Reece", family_name="Hayes",
                                    date_of_birth=date(1988, 9, 9), lead_agency=probation,
                                    pnc_id="88/123456B", by=None)  # fmt: skip
    services.person_create(reference="N100011", given_name="Reese", family_name="Hayes",
                           date_of_birth=date(1988, 9, 9), lead_agency=probation,
                           by=None)  # fmt: skip
    today = timezone.localdate()
    for n, category in enumerate(["robbery", "domestic_burglary", "robbery", "vehicle_theft"]):
        Offence.objects.create(person=person, reference=f"O{n}", offence_date=today,
                               category=category, outcome="pending")  # fmt: skip
    Disposal.objects.create(person=person, reference="D1", type=DisposalType.LICENCE,
                            start_date=date(2025, 1, 1), end_date=date(2027, 1, 1),
                            supervised_by_probation=True)  # fmt: skip
    membership = services.cohort_adopt(person=person, cohort=Cohort.DIP, start_date=today,
                                       reason="Class A use", by=None)  # fmt: skip

    sign_in(page, "probation", settings.DEMO_TOTP_SECRET)
    for path in [
        f"/people/{person.pk}/offending/",
        f"/people/{person.pk}/sentence/",
        f"/people/{person.pk}/pathways/",
        f"/people/{person.pk}/panels/",
        f"/people/{person.pk}/access-log/",
        f"/people/{person.pk}/edit/",
        f"/people/{person.pk}/enforcement/new/",
        f"/people/{person.pk}/assessments/new/",
        f"/people/{person.pk}/cohorts/{membership.pk}/deselect/",
        "/cohorts/candidates/?cohort=iom",
        "/cohorts/ledger/",
        "/cases/?tab=all&brag=red&cohort=dip",
    ]:
        page.goto(path)
        expect(page.locator("h1")).to_be_visible()
        page.axe.check()

    # Adopt with check your answers.
    page.goto(f"/people/{person.pk}/cohorts/adopt/")
    page.axe.check()
    page.get_by_label("IOM", exact=True).check()
    page.get_by_label("IOM strand (IOM only)").select_option("fixed")
    page.get_by_label("Reason for adoption").fill("Selected at the IOM panel")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Check your answers before adopting")).to_be_visible()
    page.axe.check()
    page.get_by_role("button", name="Confirm and adopt").click()
    expect(page.get_by_text("Adopted into IOM")).to_be_visible()
    page.axe.check()

    # Adding a person like an existing one: the warning page.
    page.goto("/people/new/")
    page.axe.check()
    page.get_by_label("Case reference (CRN)").fill("N100012")
    page.get_by_label("First name").fill("Reece")
    page.get_by_label("Last name").fill("Hayes")
    page.get_by_label("Day").fill("9")
    page.get_by_label("Month").fill("9")
    page.get_by_label("Year").fill("1988")
    page.get_by_label("Male", exact=True).check()
    page.get_by_role("button", name="Add person").click()
    expect(
        page.get_by_role("heading", name="This person may already have a record")
    ).to_be_visible()
    page.axe.check()
