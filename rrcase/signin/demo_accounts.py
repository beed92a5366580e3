"""Demo accounts sign in only where demo data is allowed (issue #13 item 10).

`make run` prints the demo usernames, the one demo password and the demo
authenticator secret: they are published. Under production settings
(DEMO_DATA_ALLOWED off) none of them opens the service, whatever the database
holds — a restored development copy, a seeded table, a stray session:

- the password step refuses a demo username, and any account whose password
  is the published demo password (DemoAccountsRefusedBackend, before the
  password is checked; the same "Enter a correct username and password");
- the second-factor step refuses an authenticator holding the published
  demo secret (second_factor_verify);
- a session a demo account already holds ends on its next request
  (SessionLifetimeMiddleware);
- `seed_demo` and rrcase.access.demo.seed refuse to run, and the published
  password is refused as a new password (DemoPasswordValidator).
"""

from __future__ import annotations

import functools
from base64 import b32decode
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import BaseBackend
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest

# The demo authenticator secret as published (settings/base.py's default for
# DEMO_TOTP_SECRET); production sets DEMO_TOTP_SECRET to "" but a database may
# still hold devices enrolled with it.
PUBLISHED_DEMO_TOTP_SECRET = "NORTHBRIDGEDEMOONLYNOTFORREALUSE"  # noqa: S105 — published, refused


def demo_accounts_allowed() -> bool:
    return bool(getattr(settings, "DEMO_DATA_ALLOWED", False))


@functools.cache
def _demo_usernames() -> frozenset[str]:
    from rrcase.access.demo import USERS  # access.demo imports signin.services

    return frozenset(u.username.casefold() for u in USERS)


def _demo_password() -> str:
    from rrcase.access.demo import DEMO_PASSWORD

    return DEMO_PASSWORD


def is_demo_username(username: str | None) -> bool:
    return bool(username) and str(username).casefold() in _demo_usernames()


def demo_sign_in_refused(*, username: str | None, password: str | None = None) -> bool:
    """Whether these credentials are a demo account's, where demo accounts may not sign in."""
    if demo_accounts_allowed():
        return False
    return is_demo_username(username) or (password is not None and password == _demo_password())


def _totp_hex(secret: str) -> str:
    return b32decode(secret.upper().replace(" ", "")).hex()


def is_demo_totp_key(hex_key: str) -> bool:
    """Whether an authenticator holds a published demo secret."""
    secrets = {PUBLISHED_DEMO_TOTP_SECRET, getattr(settings, "DEMO_TOTP_SECRET", "") or ""}
    return hex_key.lower() in {_totp_hex(s) for s in secrets if s}


class DemoAccountsRefusedBackend(BaseBackend):
    """First after django-axes in AUTHENTICATION_BACKENDS (production): raising
    PermissionDenied stops Django trying the other backends, so a demo account
    is refused even when its password is right; axes counts it as a failure."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if demo_sign_in_refused(username=username, password=password):
            raise PermissionDenied("Demo accounts cannot sign in here.")
        return None


class DemoPasswordValidator:
    """The published demo password is never anyone's real password."""

    def validate(self, password: str, user: Any = None) -> None:
        if password == _demo_password():
            raise ValidationError(
                "This password is published with the demo. Choose another.",
                code="password_demo",
            )

    def get_help_text(self) -> str:
        return "Your password cannot be the demo password."
