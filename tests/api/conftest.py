"""API fixtures: the demo borough as `make run` seeds it, and API tokens."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import call_command

from offenders.api.auth import api_token_issue

# The demo borough's records are dated relative to today: freeze today.
DEMO_DAY = datetime(2026, 6, 15, 9, 30, tzinfo=UTC)


@pytest.fixture
def demo(db, capsys):
    """The whole demo borough (agencies, personas, people, panels, pathways),
    seeded and used on a fixed day."""
    with time_machine.travel(DEMO_DAY, tick=False):
        call_command("seed_demo")
        capsys.readouterr()  # its progress lines are not the test's output
        yield


@pytest.fixture
def token_for(db):
    """An API token for a persona, as `manage.py issue_api_token` gives one."""

    def _token(username: str) -> str:
        _, key = api_token_issue(user=User.objects.get(username=username), name="tests", by=None)
        return key

    return _token
