"""Shared fixtures. Personas follow STYLE.md: each test says who is acting."""

from __future__ import annotations

import pytest
from django.test import Client

from rrcase.access import demo


@pytest.fixture
def borough(db):
    """The demo borough's agencies, role groups and persona users."""
    demo.seed()
    return demo


@pytest.fixture
def sign_in(client: Client):
    """Sign a persona in on the test client by username."""
    from django.contrib.auth import get_user_model

    def _sign_in(username: str) -> Client:
        client.force_login(get_user_model().objects.get(username=username))
        return client

    return _sign_in
