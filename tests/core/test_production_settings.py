"""Production settings refuse unsafe configuration with a clear message, and pass
Django's deployment checks when configured properly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "k" * 20 + "Q7x!" + "z" * 40


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "rrcase.settings.production",
        "DATABASE_URL": os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1/rrcase"),
        "SECRET_KEY": GOOD_KEY,
        "ALLOWED_HOSTS": "rrcase.example.gov.uk",
    }
    environment.update(env)
    environment = {k: v for k, v in environment.items() if v != "<unset>"}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "true"}, "DEBUG must be off in production"),
        ({"DEBUG": "maybe"}, "DEBUG='maybe' is not a boolean"),
        ({"SECRET_KEY": "<unset>"}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY must be set to a random value"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS must list"),
        ({"DATABASE_URL": "mysql://root@localhost/rrcase"}, "PostgreSQL only"),
    ],
)
def test_production_refuses_to_start_with_unsafe_settings(env, message):
    result = run_manage("check", **env)
    assert result.returncode != 0
    assert message in result.stderr


def test_production_settings_pass_the_deployment_checks():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr + result.stdout


def test_production_refuses_demo_data():
    result = run_manage("seed_demo")
    assert result.returncode != 0
    assert "Demo data is not allowed" in result.stderr
