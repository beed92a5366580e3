"""Demo accounts cannot sign in under production settings, whatever the
database holds (issue #13 item 10; rrcase/signin/demo_accounts.py).

In-process tests switch DEMO_DATA_ALLOWED off with production's backends; the
last test runs Django under the real production settings against this test
database."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from base64 import b32decode
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import connection
from django_otp.plugins.otp_totp.models import TOTPDevice

from rrcase.access import demo
from rrcase.access.demo import DEMO_PASSWORD
from rrcase.access.models import Agency
from rrcase.access.services import user_create
from rrcase.signin.demo_accounts import PUBLISHED_DEMO_TOTP_SECRET, DemoPasswordValidator

from .authenticator import code_for_secret

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
REAL_PASSWORD = "a long real passphrase 7"
PRODUCTION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rrcase.signin.demo_accounts.DemoAccountsRefusedBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]


@pytest.fixture
def production_like(settings):
    settings.DEMO_DATA_ALLOWED = False
    settings.DEMO_TOTP_SECRET = ""
    settings.AUTHENTICATION_BACKENDS = PRODUCTION_BACKENDS


def real_user(username: str, password: str) -> User:
    return user_create(
        username=username,
        first_name="Real",
        last_name="Person",
        email=f"{username}@example.org",
        agency=Agency.objects.get(code="probation"),
        role="practitioner",
        password=password,
        by=None,
    )


def password_step(client, username: str, password: str):
    return client.post("/sign-in/?next=/", {"username": username, "password": password})


def test_the_demo_accounts_sign_in_where_demo_data_is_allowed(client, borough):
    response = password_step(client, "probation", DEMO_PASSWORD)
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/code/")


@pytest.mark.parametrize("username", [u.username for u in demo.USERS])
def test_no_demo_account_signs_in_under_production_settings(
    client, borough, production_like, username
):
    response = password_step(client, username, DEMO_PASSWORD)
    assert response.status_code == 200
    assert "Enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_demo_username_is_refused_even_with_a_changed_password(client, borough, production_like):
    user = User.objects.get(username="probation")
    user.set_password(REAL_PASSWORD)
    user.save()
    password_step(client, "Probation", REAL_PASSWORD)  # nor in another case
    assert "_auth_user_id" not in client.session
    response = password_step(client, "probation", REAL_PASSWORD)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_any_account_holding_the_demo_password_is_refused(client, borough, production_like):
    real_user("renamed.demo", DEMO_PASSWORD)
    response = password_step(client, "renamed.demo", DEMO_PASSWORD)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_real_account_still_signs_in(client, borough, production_like):
    real_user("real.person", REAL_PASSWORD)
    response = password_step(client, "real.person", REAL_PASSWORD)
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/code/")


def test_a_session_a_demo_account_already_holds_ends_on_its_next_request(
    client, sign_in, borough, settings
):
    signed_in = sign_in("probation")
    assert signed_in.get("/").status_code == 200
    settings.DEMO_DATA_ALLOWED = False
    response = signed_in.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")
    assert "_auth_user_id" not in signed_in.session


def test_an_authenticator_with_the_published_demo_secret_is_refused(
    client, borough, production_like
):
    user = real_user("real.person", REAL_PASSWORD)
    TOTPDevice.objects.create(
        user=user, name="Authenticator app", key=b32decode(PUBLISHED_DEMO_TOTP_SECRET).hex()
    )
    assert password_step(client, "real.person", REAL_PASSWORD).status_code == 302
    response = client.post(
        "/sign-in/code/", {"code": code_for_secret(PUBLISHED_DEMO_TOTP_SECRET), "next": "/"}
    )
    assert response.status_code == 200
    assert "The code is not correct" in response.content.decode()
    assert client.get("/").status_code == 302  # still not through the second factor


def test_a_demo_accounts_api_token_is_refused(client, borough, settings):
    from offenders.api.auth import api_token_issue

    _, key = api_token_issue(user=User.objects.get(username="probation"), name="sync", by=None)
    assert client.get("/api/v1/people/", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
    settings.DEMO_DATA_ALLOWED = False
    assert client.get("/api/v1/people/", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


def test_demo_data_is_not_seeded_where_it_is_not_allowed(db, settings):
    settings.DEMO_DATA_ALLOWED = False
    with pytest.raises(ValueError, match="Demo data is not allowed"):
        demo.seed()
    assert not User.objects.exists()


def test_the_demo_password_is_refused_as_a_new_password():
    with pytest.raises(ValidationError, match="published with the demo"):
        DemoPasswordValidator().validate(DEMO_PASSWORD)
    DemoPasswordValidator().validate(REAL_PASSWORD)


def test_the_published_secret_is_the_one_the_settings_publish():
    settings_source = (ROOT / "rrcase" / "settings" / "base.py").read_text()
    assert f'env_str("DEMO_TOTP_SECRET", "{PUBLISHED_DEMO_TOTP_SECRET}")' in settings_source


SCRIPT = textwrap.dedent(
    """
    from django.contrib.auth import authenticate
    from django.contrib.auth.models import User
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError
    from django.db import transaction
    from django.test import RequestFactory
    from rrcase.access.demo import DEMO_PASSWORD

    def sign_in(username, password):
        request = RequestFactory().post("/sign-in/", HTTP_HOST="rrcase.example.gov.uk")
        return authenticate(request, username=username, password=password)

    with transaction.atomic():
        User.objects.create_user(username="probation", password=DEMO_PASSWORD)
        User.objects.create_user(username="someone.else", password=DEMO_PASSWORD)
        User.objects.create_user(username="real.person", password="a long real passphrase 7")
        print("demo", sign_in("probation", DEMO_PASSWORD))
        print("demo-password", sign_in("someone.else", DEMO_PASSWORD))
        print("real", sign_in("real.person", "a long real passphrase 7"))
        try:
            validate_password(DEMO_PASSWORD)
            print("validator none")
        except ValidationError as error:
            print("validator", error.messages[-1])
        transaction.set_rollback(True)
    """
)


def test_under_the_real_production_settings_demo_accounts_are_refused(db):
    """The database holds a demo account and another with the demo password
    (made and rolled back by the script, in this test database); the
    production settings refuse both."""
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    environment = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "rrcase.settings.production",
        "DATABASE_URL": url,
        "SECRET_KEY": "k" * 20 + "Q7x!" + "z" * 40,
        "ALLOWED_HOSTS": "rrcase.example.gov.uk",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SCRIPT],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "demo None" in lines
    assert "demo-password None" in lines
    assert "real real.person" in lines
    assert "validator This password is published with the demo. Choose another." in lines
