"""Shared fixtures. Personas follow STYLE.md: each test says who is acting."""

from __future__ import annotations

import pytest
from django.test import Client

from rrcase.access import demo

# The suite runs as the application's database role; the test database is made
# and flushed by the owner role (tests/database_roles.py).
from tests.database_roles import (  # noqa: F401
    database_roles,
    django_db_modify_db_settings,
    django_db_setup,
)

# No test reads the real clock: every test runs at a fixed instant (tests/clock.py).
pytest_plugins = ["tests.clock"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: cached values (e.g. filter
    options) must never carry over from another test's data."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def borough(db):
    """The demo borough's agencies, role groups and persona users."""
    demo.seed()
    return demo


@pytest.fixture
def sign_in(client: Client):
    """Sign a persona in on the test client by username, fully: password and
    second factor, as django_otp.login() leaves the session after a good code.
    (tests/signin/ go through the real pages.)"""
    from django.contrib.auth import get_user_model
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    def _sign_in(username: str) -> Client:
        user = get_user_model().objects.get(username=username)
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="Test authenticator")
        client.force_login(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        return client

    return _sign_in


@pytest.fixture
def totp_code():
    """The code a persona's authenticator app shows now (their demo device)."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    def _code(username: str) -> str:
        device = TOTPDevice.objects.get(user__username=username, confirmed=True)
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        return f"{totp.token():06d}"

    return _code
