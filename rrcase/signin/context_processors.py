from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from .middleware import user_is_verified
from .sessions import absolute_remaining, idle_remaining


def session_timeout(request: HttpRequest) -> dict[str, Any]:
    """What the timeout warning (frontend/js/session-timeout.mjs) needs; only
    for a fully signed-in user."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user_is_verified(user):
        return {}
    return {
        "session_timeout": {
            "idle_seconds": int(settings.SESSION_COOKIE_AGE),
            "idle_seconds_left": max(0, idle_remaining(request.session)),
            "refresh_seconds": int(settings.SESSION_IDLE_REFRESH),
            "absolute_seconds_left": max(0, absolute_remaining(request.session)),
            "warning_seconds": int(settings.SESSION_TIMEOUT_WARNING),
        }
    }
