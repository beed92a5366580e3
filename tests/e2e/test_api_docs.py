"""The API documentation page works in a browser that enforces the
Content-Security-Policy (the other journeys bypass it to inject axe): Swagger UI
loads from our static files, fetches the schema and lists the endpoints, and
the browser neither refuses anything nor fetches from another site."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from rrcase.access.demo import DEMO_PASSWORD
from tests.signin.authenticator import code_for_secret

pytestmark = pytest.mark.django_db(transaction=True)


def test_swagger_ui_runs_under_our_content_security_policy(browser, live_server, borough,
                                                           settings):  # fmt: skip
    context = browser.new_context(base_url=live_server.url)  # CSP enforced
    page = context.new_page()
    page.set_default_timeout(15_000)
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)  # fmt: skip
    elsewhere: list[str] = []
    page.on("request", lambda request: elsewhere.append(request.url)
            if not request.url.startswith((live_server.url, "data:")) else None)  # fmt: skip

    page.goto("/api/docs/")  # signed out: to sign in, then back here
    page.get_by_label("Username").fill("probation")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Code from your authenticator app").fill(
        code_for_secret(settings.DEMO_TOTP_SECRET)
    )
    page.get_by_role("button", name="Continue").click()

    expect(page).to_have_url(f"{live_server.url}/api/docs/")
    expect(page.get_by_role("heading", name="rrcase API", exact=False)).to_be_visible()
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/people/").first).to_be_visible()
    context.close()
    assert not refused, refused
    assert not elsewhere, elsewhere
