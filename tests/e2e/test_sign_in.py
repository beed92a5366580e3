"""First journey: sign in, see the home page, sign out."""

import re

import pytest
from playwright.sync_api import expect

from rrcase.access.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_practitioner_signs_in_sees_home_and_signs_out(page, borough):
    page.goto("/")
    expect(page.get_by_role("heading", name="Sign in to rrcase")).to_be_visible()
    page.axe.check()

    page.get_by_label("Username").fill("probation")
    page.get_by_label("Password").fill("not the right one")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.get_by_role("link", name="Enter a correct username and password")).to_be_visible()
    page.axe.check()

    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Welcome, Rowan Ashdown")).to_be_visible()
    expect(page.get_by_text("Probation Service Northbridge").first).to_be_visible()
    # GOV.UK Frontend's JavaScript ran: the body was marked as supported.
    expect(page.locator("body.govuk-frontend-supported")).to_have_count(1)
    page.axe.check()

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in to rrcase")).to_be_visible()
    page.axe.check()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/sign-in/\?next=/$"))
    page.axe.check()


def test_public_pages_are_accessible(page, db):
    for path, heading in [
        ("/accessibility/", "Accessibility statement for rrcase"),
        ("/privacy/", "Privacy notice"),
    ]:
        page.goto(path)
        expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
        page.axe.check()
