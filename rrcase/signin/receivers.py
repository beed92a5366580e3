"""Record when and where each user signed in, for the absolute session timeout
and so deactivation can end every session at once."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver
from django.utils import timezone

from . import services
from .sessions import REFRESHED_AT_KEY, SIGNED_IN_AT_KEY


@receiver(user_logged_in, dispatch_uid="signin_session_record")
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    if session is None:
        return
    now = int(timezone.now().timestamp())
    session[SIGNED_IN_AT_KEY] = now
    # The idle clock starts at sign-in (saved with it), not at the next page.
    session[REFRESHED_AT_KEY] = now
    if session.session_key is None:
        # login() flushed a previous user's session; give this one its key now.
        session.save()
    services.user_session_record(user=user, session_key=session.session_key)


@receiver(user_logged_out, dispatch_uid="signin_session_forget")
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    if session is not None and session.session_key:
        services.user_session_forget(session_key=session.session_key)
