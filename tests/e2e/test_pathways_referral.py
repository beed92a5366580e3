"""A probation officer records a need and refers the person to housing; the
housing worker accepts the referral from the inbox and records the outcome;
probation sees it on the pathway plan. An axe check on every page visited."""

from __future__ import annotations

from datetime import date

import pytest
from django.apps import apps
from playwright.sync_api import expect

from offenders import services as offender_services
from pathways import reference
from pathways.models import NeedType, Pathway, Provider, Service
from rrcase.access.models import Agency
from tests.e2e.journeys import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_probation_refers_to_housing_and_housing_accepts(page, borough, settings):
    # Transactional tests flush the tables between tests, data migrations' rows too.
    reference.load(apps)
    person = offender_services.person_create(
        reference="E000001",
        given_name="Jordan",
        family_name="Example",
        date_of_birth=date(1990, 4, 2),
        lead_agency=Agency.objects.get(code="probation"),
        by=None,
    )
    accommodation = Pathway.objects.get(code="accommodation")
    cas3 = Service.objects.create(
        provider=Provider.objects.create(
            name="Northbridge Homes", agency=Agency.objects.get(code="housing")
        ),
        pathway=accommodation,
        name="CAS3 temporary accommodation",
        capacity=12,
        response_target_hours=72,
    )
    cas3.need_types.add(NeedType.objects.get(pathway=accommodation, code="nfa"))

    sign_in(page, "probation", settings.DEMO_TOTP_SECRET)
    page.goto(f"/people/{person.pk}/pathways/plan/")
    expect(page.get_by_role("heading", name="Pathway plan")).to_be_visible()
    page.axe.check()

    page.get_by_role("link", name="Record a need").click()
    expect(page.get_by_role("heading", name="Record a need")).to_be_visible()
    page.axe.check()
    page.get_by_role("button", name="Record need").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    page.axe.check()
    page.get_by_label("Need", exact=True).select_option(label="No fixed abode")
    page.get_by_label("Note (optional)").fill("Released on Friday with nowhere to stay")
    page.get_by_role("button", name="Record need").click()
    expect(page.get_by_text("Need recorded: No fixed abode")).to_be_visible()
    page.axe.check()

    page.get_by_role("link", name="No fixed abode").click()
    expect(page.get_by_role("heading", name="No fixed abode")).to_be_visible()
    page.axe.check()
    page.get_by_role("link", name="Refer to a service").click()
    expect(page.get_by_role("heading", name="Refer to a service: No fixed abode")).to_be_visible()
    page.axe.check()
    page.get_by_label("CAS3 temporary accommodation", exact=False).check()
    page.get_by_label("Why does this person need the service?").fill(
        "Released on Friday with nowhere to stay"
    )
    page.get_by_role("button", name="Send referral").click()
    expect(
        page.get_by_role("heading", name="Referral to CAS3 temporary accommodation")
    ).to_be_visible()
    expect(page.locator(".govuk-summary-list").get_by_text("Sent", exact=True)).to_be_visible()
    page.axe.check()
    page.get_by_role("button", name="Sign out").click()
    page.axe.check()

    sign_in(page, "housing", settings.DEMO_TOTP_SECRET)
    page.get_by_role("link", name="Referrals", exact=True).click()
    expect(page.get_by_role("heading", name="Received by your agency")).to_be_visible()
    page.axe.check()
    page.get_by_role("link", name="Jordan Example").click()
    page.axe.check()
    page.get_by_role("link", name="Accept referral").click()
    expect(page.get_by_role("heading", name="Accept referral")).to_be_visible()
    page.axe.check()
    page.get_by_role("button", name="Accept referral").click()
    expect(page.get_by_text("Referral accepted")).to_be_visible()
    page.axe.check()
    # The placement starts, and ends with the person in settled accommodation.
    page.get_by_role("link", name="Record that the service has started").click()
    page.axe.check()
    page.get_by_role("button", name="Record that the service has started").click()
    expect(page.get_by_text("Referral started")).to_be_visible()
    page.axe.check()
    page.get_by_role("link", name="Record completion").click()
    page.axe.check()
    page.get_by_role("button", name="Record completion").click()
    expect(page.get_by_role("link", name="Describe the outcome of the service.")).to_be_visible()
    page.axe.check()
    page.get_by_label("Outcome of the service").fill("Moved on to a housing association flat")
    page.get_by_label("Their accommodation now").select_option(label="Settled")
    page.get_by_role("button", name="Record completion").click()
    # Housing's access ended with the referral: it is back at its inbox.
    expect(page.get_by_text("Referral completed")).to_be_visible()
    expect(page.get_by_role("heading", name="Received by your agency")).to_be_visible()
    page.axe.check()
    page.get_by_role("button", name="Sign out").click()
    page.axe.check()

    # The officer's colleague (a second sign-in as the same user could fall in
    # the same 30-second code window, and a replayed code is refused).
    sign_in(page, "probation2", settings.DEMO_TOTP_SECRET)
    page.goto(f"/people/{person.pk}/pathways/plan/")
    row = page.get_by_role("row", name="No fixed abode")
    expect(row.get_by_text("Completed")).to_be_visible()
    expect(page.get_by_text("Settled since")).to_be_visible()
    page.axe.check()
