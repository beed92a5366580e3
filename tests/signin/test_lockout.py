"""Sign-in lockout (django-axes): 5 wrong passwords for one username from one
client address lock that pair for 15 minutes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from rrcase.access.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

START = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)  # 2pm in London (GMT)


def attempt(client, username, password, **extra):
    return client.post("/sign-in/", {"username": username, "password": password}, **extra)


@pytest.mark.parametrize("username", ["probation", "nobody-by-this-name"])
def test_five_wrong_passwords_lock_the_username_for_15_minutes(client, borough, username):
    with time_machine.travel(START, tick=False) as clock:
        for _ in range(4):
            response = attempt(client, username, "wrong-password-123")
            assert "Enter a correct username and password" in response.content.decode()
            clock.shift(timedelta(seconds=10))
        response = attempt(client, username, "wrong-password-123")
        html = response.content.decode()
        assert response.status_code == 429
        assert "You cannot sign in at the moment" in html
        # 15 minutes from the fifth failure at 2:00:40pm, rounded up.
        assert "You can try again after <strong>2:16pm</strong> on 24 November 2026" in html
        # The same page whether or not the account exists, and the right
        # password does not get through either.
        clock.shift(timedelta(minutes=5))
        response = attempt(client, username, DEMO_PASSWORD)
        assert response.status_code == 429
        assert "2:16pm" in response.content.decode()
        assert "_auth_user_id" not in client.session

        clock.shift(timedelta(minutes=10, seconds=41))
        response = attempt(client, username, DEMO_PASSWORD)
        if username == "probation":
            assert response["Location"].startswith("/sign-in/code/")
        else:
            assert "Enter a correct username and password" in response.content.decode()


def test_the_lock_is_for_that_username_from_that_address_only(client, borough):
    for _ in range(5):
        attempt(client, "probation", "wrong-password-123")
    assert attempt(client, "probation", DEMO_PASSWORD).status_code == 429
    assert attempt(client, "police", DEMO_PASSWORD)["Location"].startswith("/sign-in/code/")
    client.post("/sign-out/")
    elsewhere = attempt(client, "probation", DEMO_PASSWORD, REMOTE_ADDR="192.0.2.44")
    assert elsewhere["Location"].startswith("/sign-in/code/")


def test_behind_a_proxy_the_lock_uses_the_forwarded_client_address(client, borough, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    behind = {"REMOTE_ADDR": "10.0.0.2"}  # the proxy
    for _ in range(5):
        attempt(
            client,
            "probation",
            "wrong-password-123",
            HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.5",
            **behind,
        )
    locked = attempt(
        client, "probation", DEMO_PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.5", **behind
    )
    assert locked.status_code == 429
    # Another client behind the same proxy is not locked out.
    other = attempt(
        client, "probation", DEMO_PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.6", **behind
    )
    assert other["Location"].startswith("/sign-in/code/")


def test_a_successful_sign_in_clears_earlier_failures(client, borough):
    for _ in range(4):
        attempt(client, "probation", "wrong-password-123")
    attempt(client, "probation", DEMO_PASSWORD)
    client.post("/sign-out/")
    for _ in range(4):
        response = attempt(client, "probation", "wrong-password-123")
    assert response.status_code == 200
