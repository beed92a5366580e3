"""Session lifetimes (SECURITY.md): idle 30 minutes is Django's own expiry
(SESSION_COOKIE_AGE), slid forward by refresh_idle; the absolute limit of 12
hours from sign-in is enforced here, whatever the activity."""

from __future__ import annotations

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.utils import timezone

SIGNED_IN_AT_KEY = "rrcase_signed_in_at"
REFRESHED_AT_KEY = "rrcase_refreshed_at"


def _now() -> int:
    return int(timezone.now().timestamp())


def refresh_idle(session: SessionBase, *, force: bool = False) -> None:
    """Slide the idle timeout. Writing the session on every request (Django's
    SESSION_SAVE_EVERY_REQUEST) costs an UPDATE and a commit per page view, a
    third of a minimal page's time; so the session is written at most once per
    SESSION_IDLE_REFRESH seconds, and the idle clock runs from that write:
    active users are signed out after between 29 and 30 minutes idle.
    "Stay signed in" forces the write, so its answer is exact."""
    last = session.get(REFRESHED_AT_KEY)
    now = _now()
    if force or not isinstance(last, int) or now - last >= settings.SESSION_IDLE_REFRESH:
        session[REFRESHED_AT_KEY] = now  # modified: saved with a new expiry


def absolute_remaining(session: SessionBase) -> int:
    """Seconds until the session reaches its absolute limit; 0 or less when it
    has, or when it carries no sign-in time (a session from before this rule)."""
    signed_in_at = session.get(SIGNED_IN_AT_KEY)
    if not isinstance(signed_in_at, int):
        return 0
    age = _now() - signed_in_at
    return int(settings.SESSION_ABSOLUTE_AGE) - age


def idle_remaining(session: SessionBase) -> int:
    """Seconds until the idle timeout, counted from the last refresh."""
    idle = int(settings.SESSION_COOKIE_AGE)
    last = session.get(REFRESHED_AT_KEY)
    return idle - (_now() - last) if isinstance(last, int) else idle


def seconds_left(session: SessionBase) -> int:
    """Seconds until this session ends if the user does nothing more."""
    return max(0, min(idle_remaining(session), absolute_remaining(session)))
