"""Session lifetimes (SECURITY.md): idle 30 minutes is Django's own expiry
(SESSION_COOKIE_AGE refreshed on every request); the absolute limit of 12 hours
from sign-in is enforced here, whatever the activity."""

from __future__ import annotations

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.utils import timezone

SIGNED_IN_AT_KEY = "rrcase_signed_in_at"


def absolute_remaining(session: SessionBase) -> int:
    """Seconds until the session reaches its absolute limit; 0 or less when it
    has, or when it carries no sign-in time (a session from before this rule)."""
    signed_in_at = session.get(SIGNED_IN_AT_KEY)
    if not isinstance(signed_in_at, int):
        return 0
    age = int(timezone.now().timestamp()) - signed_in_at
    return int(settings.SESSION_ABSOLUTE_AGE) - age


def idle_seconds() -> int:
    return int(settings.SESSION_COOKIE_AGE)


def seconds_left(session: SessionBase) -> int:
    """Seconds until this session ends if the user does nothing more."""
    return max(0, min(idle_seconds(), absolute_remaining(session)))
