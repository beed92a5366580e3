"""The page shell, sign-in and the public pages, as a user meets them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rrcase.access.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def test_signed_out_user_is_sent_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/sign-in/?next=/"


@pytest.mark.parametrize("url_name", ["core:accessibility", "core:privacy", "core:sign-in"])
def test_public_pages_open_without_sign_in(client, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    html = response.content.decode()
    assert "OFFICIAL-SENSITIVE" in html
    assert 'href="#main-content"' in html  # skip link
    assert "govuk-phase-banner" in html
    assert reverse("core:accessibility") in html
    assert reverse("core:privacy") in html


def test_page_shell_enables_govuk_javascript_with_a_csp_nonce(client):
    response = client.get(reverse("core:sign-in"))
    html = response.content.decode()
    csp = response["Content-Security-Policy"]
    nonce = csp.split("'nonce-")[1].split("'")[0]
    assert f'<script nonce="{nonce}">' in html
    assert "govuk-frontend-supported" in html
    assert "object-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Request-ID"]


def test_sign_in_with_password_then_code_shows_the_users_agency(client, borough, totp_code):
    response = client.post(
        reverse("core:sign-in"), {"username": "probation", "password": DEMO_PASSWORD}, follow=True
    )
    assert "Enter the code from your authenticator app" in response.content.decode()
    response = client.post(
        reverse("signin:code"), {"code": totp_code("probation"), "next": "/"}, follow=True
    )
    html = response.content.decode()
    assert "Welcome, Rowan Ashdown" in html
    assert "Probation Service Northbridge" in html
    assert "Practitioner" in html
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("username", "password"),
    [("probation", "wrong-password-123"), ("nobody-by-this-name", "wrong-password-123")],
)
def test_wrong_credentials_show_the_same_error_whether_or_not_the_account_exists(
    client, borough, username, password
):
    response = client.post(reverse("core:sign-in"), {"username": username, "password": password})
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert "Enter a correct username and password" in html
    assert "<title>Sign in – Error – rrcase</title>" in html


def test_empty_sign_in_names_each_missing_field(client):
    response = client.post(reverse("core:sign-in"), {"username": "", "password": ""})
    html = response.content.decode()
    assert 'href="#id_username">Enter your username' in html
    assert 'href="#id_password">Enter your password' in html
    assert "govuk-input--error" in html


def test_deactivated_user_cannot_sign_in(client, borough):
    from django.contrib.auth import get_user_model

    get_user_model().objects.filter(username="police").update(is_active=False)
    response = client.post(
        reverse("core:sign-in"), {"username": "police", "password": DEMO_PASSWORD}
    )
    assert "Enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_sign_out_ends_the_session(client, borough, sign_in):
    sign_in("probation")
    response = client.post(reverse("core:sign-out"))
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_sign_out_needs_post_so_a_link_cannot_sign_people_out(client, borough, sign_in):
    sign_in("probation")
    assert client.get(reverse("core:sign-out")).status_code == 405
    assert client.get("/").status_code == 200


def test_unknown_page_is_a_govuk_404(client, borough, sign_in):
    sign_in("probation")
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_server_error_page_shows_only_a_reference(client, borough, sign_in, settings):
    from django.test import RequestFactory

    from rrcase.core.views import server_error

    request = RequestFactory().get("/")
    request.request_id = "abc123def456"
    response = server_error(request)
    html = response.content.decode()
    assert response.status_code == 500
    assert "abc123def456" in html
    assert "Traceback" not in html


def test_healthz_reports_reachability_without_personal_data(client, borough):
    response = client.get(reverse("core:healthz"))
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert set(body) == {"status", "database", "broker", "last_worker_heartbeat"}
