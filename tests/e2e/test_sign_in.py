"""First journey: sign in with a password and an authenticator app, see the
home page, sign out; the timeout warning."""

import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from rrcase.access.demo import DEMO_PASSWORD
from tests.signin.authenticator import code_for_secret

pytestmark = pytest.mark.django_db(transaction=True)


def test_practitioner_signs_in_sets_up_an_authenticator_and_signs_out(page, borough):
    # A new account: no authenticator app yet (an administrator reset it).
    TOTPDevice.objects.filter(user__username="probation").delete()

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
    expect(page.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
    qr_code = page.get_by_role("img", name="QR code to add rrcase to your authenticator app")
    expect(qr_code).to_be_visible()
    assert qr_code.evaluate("img => img.complete && img.naturalWidth > 0")
    page.axe.check()

    # Type the setup key into "the app": compute the code it would show.
    secret = page.locator("#totp-secret").inner_text()
    page.get_by_label("Code from your authenticator app").fill(code_for_secret(secret))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Your authenticator app is set up")).to_be_visible()
    expect(page.get_by_role("list", name="Recovery codes").get_by_role("listitem")).to_have_count(
        10
    )
    page.axe.check()

    page.get_by_role("button", name="I have saved my recovery codes").click()
    expect(page.get_by_role("heading", name="Welcome, Rowan Ashdown")).to_be_visible()
    expect(page.get_by_text("Probation Service Northbridge").first).to_be_visible()
    # GOV.UK Frontend's JavaScript ran: the body was marked as supported.
    expect(page.locator("body.govuk-frontend-supported")).to_have_count(1)
    # The timeout warning is on the page, closed until 5 minutes before time.
    expect(page.get_by_role("dialog", name="You will be signed out soon")).to_be_hidden()
    page.axe.check()

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in to rrcase")).to_be_visible()
    page.axe.check()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/sign-in/\?next=/$"))
    page.axe.check()


def test_the_timeout_warning_keeps_or_ends_the_session(page, borough, settings):
    """ "Stay signed in" keeps the session; "Sign out" ends it. The warning is
    brought forward to 3 seconds after the page loads instead of 25 minutes."""
    settings.SESSION_TIMEOUT_WARNING = settings.SESSION_COOKIE_AGE - 3
    page.goto("/sign-in/")
    page.get_by_label("Username").fill("police")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(
        page.get_by_role("heading", name="Enter the code from your authenticator app")
    ).to_be_visible()
    page.axe.check()
    page.get_by_label("Code from your authenticator app").fill(
        code_for_secret(settings.DEMO_TOTP_SECRET)
    )
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Welcome, Jesse Tarrant")).to_be_visible()

    dialog = page.get_by_role("dialog", name="You will be signed out soon")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("you will be signed out in 30 minutes")
    expect(dialog.get_by_role("button", name="Stay signed in")).to_be_focused()
    page.axe.check()

    with page.expect_response("**/session/keep-alive/") as keep_alive:
        dialog.get_by_role("button", name="Stay signed in").click()
    assert keep_alive.value.status == 200
    expect(dialog).to_be_hidden()

    # It comes back 3 seconds later; this time, sign out.
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Sign out").click()
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
