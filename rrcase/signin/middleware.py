from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from rest_framework.views import APIView

from .demo_accounts import demo_sign_in_refused
from .sessions import absolute_remaining, refresh_idle


class SessionLifetimeMiddleware:
    """Ends a session 12 hours after sign-in (SESSION_ABSOLUTE_AGE), however
    active it has been; the sign-in requirement then sends the user to sign in.
    Otherwise a signed-in request slides the idle timeout (refresh_idle).
    A demo account's session ends at once where demo accounts may not sign in
    (demo_accounts.py), however it came to exist."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            if demo_sign_in_refused(username=request.user.get_username()):
                logout(request)
            elif absolute_remaining(request.session) <= 0:
                logout(request)
                messages.info(
                    request,
                    "You were signed out because you had been signed in for 12 hours. "
                    "Sign in again to continue.",
                )
            else:
                refresh_idle(request.session)
        return self.get_response(request)


class SecondFactorRequiredMiddleware:
    """Default deny for the second factor, as LoginRequiredMiddleware is for the
    password: a signed-in user whose session has not been verified by a code
    reaches only public pages and those marked @second_factor_not_required.
    Pages go to the code step; API calls get a 403."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        # DRF marks its views login_not_required (it checks permissions itself),
        # so API views are recognised by path or class, not by that flag.
        view_class = getattr(view_func, "cls", None)
        is_api = request.path.startswith("/api/") or (
            isinstance(view_class, type) and issubclass(view_class, APIView)
        )
        if not is_api and not getattr(view_func, "login_required", True):
            return None  # public: sign-in, accessibility, privacy, /healthz
        if not getattr(view_func, "second_factor_required", True):
            return None
        user = request.user
        if not user.is_authenticated or user_is_verified(user):
            return None
        if is_api:
            return JsonResponse(
                {"detail": "Sign in with your second factor to use the API."}, status=403
            )
        return redirect_to_login(request.get_full_path(), reverse("signin:code"))


def user_is_verified(user: Any) -> bool:
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())
