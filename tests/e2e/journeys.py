"""Steps shared by the browser journeys."""

from __future__ import annotations

from playwright.sync_api import expect

from rrcase.access.demo import DEMO_PASSWORD
from tests.signin.authenticator import code_for_secret


def sign_in(page, username: str, secret: str) -> None:
    """The real sign-in: password, then the code from the demo authenticator,
    with an axe check on each page on the way."""
    page.goto("/sign-in/")
    page.axe.check()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_label("Code from your authenticator app")).to_be_visible()
    page.axe.check()
    page.get_by_label("Code from your authenticator app").fill(code_for_secret(secret))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Welcome", exact=False)).to_be_visible()
    page.axe.check()
