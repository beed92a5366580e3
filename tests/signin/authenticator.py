"""Stand-in for a person's authenticator app in tests."""

from __future__ import annotations

from base64 import b32decode

from django_otp.oath import TOTP


def code_for_secret(secret: str) -> str:
    """What an authenticator app shows now for a base32 setup key, as typed in."""
    key = b32decode(secret.replace(" ", "").upper())
    return f"{TOTP(key).token():06d}"
