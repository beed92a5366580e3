from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from rrcase.access.demo import DEMO_PASSWORD
from rrcase.access.models import Agency
from rrcase.access.services import user_create

from .authenticator import code_for_secret  # noqa: F401 — re-exported for the tests here


@pytest.fixture
def newcomer(borough) -> User:
    """A probation officer whose account was just made: no authenticator yet."""
    return user_create(
        username="newcomer",
        first_name="Sam",
        last_name="Newton",
        email="sam@northbridge.example",
        agency=Agency.objects.get(code="probation"),
        role="practitioner",
        password=DEMO_PASSWORD,
        by=None,
    )


@pytest.fixture
def password_step(client):
    """Sign in with a password only, through the real sign-in page."""

    def _password_step(username: str, next_url: str = "/"):
        return client.post(
            f"/sign-in/?next={next_url}", {"username": username, "password": DEMO_PASSWORD}
        )

    return _password_step
