"""The second factor: every signed-in page needs it; setting up an authenticator
from the QR code page; codes that work once; recovery codes."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from rrcase.audit.models import AuditEvent
from rrcase.signin.models import RecoveryCode
from rrcase.signin.services import recovery_codes_issue

from .authenticator import code_for_secret

pytestmark = pytest.mark.django_db

# Reachable while signed in with a password only: the public pages, the
# second-factor pages themselves, and the ways out.
BEFORE_SECOND_FACTOR = {
    "core:sign-in",
    "core:sign-out",
    "core:accessibility",
    "core:privacy",
    "core:healthz",
    "core:livez",
    "core:readyz",
    "signin:code",
    "signin:recovery-code",
    "signin:enrol",
    "admin:login",
}


def url_names_without_arguments() -> list[str]:
    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace
                if pattern.namespace:
                    inner = f"{namespace}{pattern.namespace}:"
                yield from walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                yield f"{namespace}{pattern.name}"

    names = []
    for name in sorted(set(walk(get_resolver().url_patterns, ""))):
        try:
            reverse(name)
        except NoReverseMatch:
            continue
        names.append(name)
    return names


PROTECTED = [name for name in url_names_without_arguments() if name not in BEFORE_SECOND_FACTOR]


def test_the_walk_finds_the_pages_it_should():
    assert {"core:home", "signin:keep-alive", "api-schema", "admin:index"} <= set(PROTECTED)


@pytest.mark.parametrize("url_name", PROTECTED)
def test_every_signed_in_page_needs_the_second_factor(client, borough, url_name):
    client.force_login(User.objects.get(username="probation"))  # password only
    url = reverse(url_name)
    for method in (client.get, client.post):
        response = method(url)
        if url.startswith("/api/"):
            assert response.status_code == 403
            assert "second factor" in response.json()["detail"]
        else:
            assert response.status_code == 302, url
            assert response["Location"].startswith("/sign-in/code/?next="), url


@pytest.mark.parametrize("url_name", PROTECTED)
def test_a_verified_session_reaches_them(client, borough, sign_in, url_name):
    sign_in("sysadmin")
    response = client.get(reverse(url_name))
    assert not response.get("Location", "").startswith("/sign-in/")


def test_enrol_with_the_qr_code_page_then_sign_in_with_a_code(client, newcomer, password_step):
    response = password_step("newcomer", "/")
    assert response["Location"] == "/sign-in/code/?next=%2F"
    response = client.get(response["Location"])
    assert response["Location"] == "/sign-in/set-up-authenticator/?next=%2F"

    page = client.get(response["Location"]).content.decode()
    assert "Set up your authenticator app" in page
    assert 'src="data:image/svg+xml;base64,' in page  # the QR code, drawn locally
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1)
    device = TOTPDevice.objects.get(user=newcomer)
    assert not device.confirmed
    assert f"secret={secret.replace(' ', '')}" in device.config_url

    response = client.post(
        "/sign-in/set-up-authenticator/", {"code": code_for_secret(secret), "next": "/"}
    )
    page = response.content.decode()
    assert "Your authenticator app is set up" in page
    codes = re.findall(r"<code>([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})</code>", page)
    assert len(set(codes)) == 10
    assert client.get("/").status_code == 200

    event = AuditEvent.objects.get(action="login", details__mfa_enrolled=True)
    assert event.actor_username == "newcomer"
    assert event.details["recovery_codes_issued"] == 10

    # Next time: password, then a code (at the next time step), no set-up page.
    client.post("/sign-out/")
    with time_machine.travel(timedelta(seconds=31)):
        response = password_step("newcomer", "/")
        response = client.get(response["Location"])
        assert "Enter the code from your authenticator app" in response.content.decode()
        assert client.get("/sign-in/set-up-authenticator/")["Location"].startswith("/sign-in/code/")
        response = client.post("/sign-in/code/", {"code": code_for_secret(secret), "next": "/"})
        assert response["Location"] == "/"
        assert "Welcome, Sam Newton" in client.get("/").content.decode()


def test_a_wrong_code_at_set_up_is_refused_and_the_same_qr_code_stays(client, newcomer):
    client.force_login(newcomer)
    first = client.get("/sign-in/set-up-authenticator/").content.decode()
    response = client.post("/sign-in/set-up-authenticator/", {"code": "000000"})
    page = response.content.decode()
    assert "The code is not correct" in page
    assert re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1) == re.search(
        r'id="totp-secret">([A-Z2-7 ]+)<', first
    ).group(1)
    assert client.get("/").status_code == 302
    assert AuditEvent.objects.filter(action="login_failed", details__stage="enrolment").exists()


def test_someone_with_an_authenticator_cannot_set_up_another_with_just_the_password(
    client, borough
):
    client.force_login(User.objects.get(username="probation"))
    response = client.post("/sign-in/set-up-authenticator/", {"code": "123456"})
    assert response["Location"].startswith("/sign-in/code/")
    assert TOTPDevice.objects.filter(user__username="probation").count() == 1


@time_machine.travel(datetime(2026, 11, 24, 9, 0, 5, tzinfo=UTC), tick=False)
def test_a_code_works_once(client, borough, password_step, totp_code):
    code = totp_code("probation")
    password_step("probation")
    assert client.post("/sign-in/code/", {"code": code})["Location"] == "/"
    client.post("/sign-out/")

    password_step("probation")
    response = client.post("/sign-in/code/", {"code": code})
    assert response.status_code == 200
    assert "has already been used" in response.content.decode()
    assert client.get("/").status_code == 302
    failed = AuditEvent.objects.filter(action="login_failed", details__factor="totp")
    assert failed.count() == 1


def test_wrong_codes_slow_down_further_tries(client, borough, password_step, totp_code):
    with time_machine.travel(datetime(2026, 11, 24, 9, 0, 5, tzinfo=UTC), tick=False) as clock:
        password_step("probation")
        client.post("/sign-in/code/", {"code": "000000"})
        response = client.post("/sign-in/code/", {"code": totp_code("probation")})
        assert "Too many wrong codes. Wait 1 second and try again" in response.content.decode()
        clock.shift(timedelta(seconds=2))
        response = client.post("/sign-in/code/", {"code": totp_code("probation")})
        assert response["Location"] == "/"


def test_the_code_page_names_a_malformed_code(client, borough, password_step):
    password_step("probation")
    response = client.post("/sign-in/code/", {"code": "12ab"})
    html = response.content.decode()
    assert 'href="#id_code">The code must be 6 digits' in html
    assert "<title>Enter the code from your authenticator app – Error – rrcase</title>" in html


def test_after_the_code_the_user_goes_where_they_were_going_but_never_off_site(
    client, borough, password_step, totp_code
):
    response = password_step("probation", "/privacy/")
    assert response["Location"] == "/sign-in/code/?next=%2Fprivacy%2F"
    response = client.post(
        "/sign-in/code/", {"code": totp_code("probation"), "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_completing_the_second_factor_changes_the_session_key(
    client, borough, password_step, totp_code
):
    password_step("probation")
    before = client.cookies["sessionid"].value
    client.post("/sign-in/code/", {"code": totp_code("probation")})
    assert client.cookies["sessionid"].value != before


def test_recovery_codes_are_stored_hashed_and_work_once_each(client, borough, password_step):
    user = User.objects.get(username="probation")
    codes = recovery_codes_issue(user=user)
    stored = list(RecoveryCode.objects.values_list("code_hash", "salt"))
    assert len(stored) == 10
    assert not {c.replace("-", "") for c in codes} & {v for row in stored for v in row}

    password_step("probation")
    assert "I cannot use my authenticator app" in client.get("/sign-in/code/").content.decode()
    # Typed in lower case and without hyphens: still the same code.
    response = client.post(
        "/sign-in/recovery-code/", {"code": codes[3].lower().replace("-", " "), "next": "/"}
    )
    assert response["Location"] == "/"
    assert "You have 9 recovery codes left" in client.get("/").content.decode()
    client.post("/sign-out/")

    with time_machine.travel(timedelta(seconds=5)):
        password_step("probation")
        response = client.post("/sign-in/recovery-code/", {"code": codes[3]})
        assert "not correct or has already been used" in response.content.decode()
        assert client.get("/").status_code == 302
    with time_machine.travel(timedelta(seconds=10)):
        assert client.post("/sign-in/recovery-code/", {"code": codes[4]})["Location"] == "/"
    assert AuditEvent.objects.filter(
        action="login", details__factor="recovery_code", details__recovery_codes_left=8
    ).exists()


def test_unverified_api_calls_get_403_json(client, borough):
    client.force_login(User.objects.get(username="probation"))
    response = client.get("/api/schema/")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"


def test_demo_accounts_have_the_documented_authenticator(borough, settings, capsys):
    call_command("demo_logins")
    out = capsys.readouterr().out
    assert settings.DEMO_TOTP_SECRET in out
    assert "manage.py demo_totp USERNAME" in out

    call_command("demo_totp", "chair")
    code = capsys.readouterr().out.strip()
    assert code == code_for_secret(settings.DEMO_TOTP_SECRET)


def test_demo_totp_refuses_where_demo_data_is_not_allowed(borough, settings):
    settings.DEMO_DATA_ALLOWED = False
    with pytest.raises(CommandError, match="not allowed"):
        call_command("demo_totp", "chair")
