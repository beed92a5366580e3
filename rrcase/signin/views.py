"""The second-factor step of signing in, setting up an authenticator, the
session keep-alive and the lockout page."""

from __future__ import annotations

import base64
import math
from base64 import b32encode
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import User
from django.db.models import Max
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import services
from .decorators import second_factor_not_required
from .forms import RecoveryCodeForm, TotpCodeForm
from .middleware import user_is_verified
from .sessions import refresh_idle, seconds_left


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _with_next(url_name: str, next_url: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


def second_factor_url(*, next_url: str) -> str:
    """Where the password step sends a user: the code step, then `next_url`."""
    return _with_next("signin:code", next_url)


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 — LoginRequiredMiddleware guarantees it
    return user


def _complete(request: HttpRequest, device: Device) -> None:
    """Mark the session verified by `device`, under a new session key: the
    session's privilege has changed, so a key seen before this point is dead."""
    otp_login(request, device)
    old_key = request.session.session_key or ""
    request.session.cycle_key()
    services.user_session_rekey(old_key=old_key, new_key=request.session.session_key or "")


def _throttled_message(try_again_at: Any) -> str:
    # Each wrong code doubles the wait before the next is checked (1, 2, 4... seconds).
    wait = max(1, math.ceil((try_again_at - timezone.now()).total_seconds()))
    unit = "second" if wait == 1 else "seconds"
    return f"Too many wrong codes. Wait {wait} {unit} and try again"


@second_factor_not_required
@never_cache
def code(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    next_url = _next_url(request)
    if user_is_verified(request.user):
        return redirect(next_url)
    if services.totp_device_for(user) is None:
        return redirect(_with_next("signin:enrol", next_url))
    form = TotpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = services.second_factor_verify(
            user=user, token=form.cleaned_data["code"], method="totp"
        )
        if result.device is not None:
            _complete(request, result.device)
            return redirect(next_url)
        if result.try_again_at is not None:
            form.add_error("code", _throttled_message(result.try_again_at))
        else:
            form.add_error(
                "code",
                "The code is not correct or has already been used. "
                "Wait for your app to show a new code and enter that",
            )
    return render(request, "signin/code.html", {"form": form, "next": next_url})


@second_factor_not_required
@never_cache
def recovery_code(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    next_url = _next_url(request)
    if user_is_verified(request.user):
        return redirect(next_url)
    form = RecoveryCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = services.second_factor_verify(
            user=user, token=form.cleaned_data["code"], method="recovery_code"
        )
        if result.device is not None:
            _complete(request, result.device)
            left = result.device.remaining()
            messages.info(
                request,
                f"You signed in with a recovery code. You have {left} recovery "
                f"code{'' if left == 1 else 's'} left. If you have lost your authenticator "
                "app, ask your agency administrator to reset it.",
            )
            return redirect(next_url)
        if result.try_again_at is not None:
            form.add_error("code", _throttled_message(result.try_again_at))
        else:
            form.add_error("code", "The recovery code is not correct or has already been used")
    return render(request, "signin/recovery_code.html", {"form": form, "next": next_url})


def _qr_data_uri(text: str) -> str:
    # An SVG in a data: URI: drawn by the browser with no request to anyone and
    # no inline style or script, so the page's CSP stays as strict as ever.
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, border=4)
    svg = image.to_string(encoding="unicode")
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def _secret_for_display(device: TOTPDevice) -> str:
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@second_factor_not_required
@never_cache
def enrol(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app. Only for a signed-in user with none yet:
    otherwise a stolen password would be enough to add an attacker's phone."""
    user = _user(request)
    next_url = _next_url(request)
    if user_is_verified(request.user):
        return redirect(next_url)
    if services.totp_device_for(user) is not None:
        return redirect(second_factor_url(next_url=next_url))
    form = TotpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device, codes = services.totp_enrol_confirm(user=user, token=form.cleaned_data["code"])
        if device is not None:
            _complete(request, device)
            return render(request, "signin/recovery_codes.html", {"codes": codes, "next": next_url})
        form.add_error(
            "code",
            "The code is not correct. Check your phone sets its time automatically, "
            "wait for a new code and enter that",
        )
    device = services.totp_device_start(user=user)
    context = {
        "form": form,
        "next": next_url,
        "qr_code": _qr_data_uri(device.config_url),
        "secret": _secret_for_display(device),
    }
    return render(request, "signin/enrol.html", context)


@require_POST
def keep_alive(request: HttpRequest) -> JsonResponse:
    """Called by "Stay signed in": refreshes the idle timeout now, however
    recently it was refreshed, and says how long is left."""
    refresh_idle(request.session, force=True)
    return JsonResponse({"seconds_left": seconds_left(request.session)})


def locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """django-axes' lockout response (AXES_LOCKOUT_CALLABLE). The same page for
    every username, so it says nothing about whether an account exists."""
    username = get_client_username(request, credentials)
    last_failure = AccessAttempt.objects.filter(
        username=username, ip_address=getattr(request, "axes_ip_address", None)
    ).aggregate(last=Max("attempt_time"))["last"]
    cool_off = get_cool_off(request)
    context: dict[str, str] = {}
    if cool_off is not None:
        at = timezone.localtime((last_failure or timezone.now()) + cool_off)
        # Round up to the minute: "after 2:16pm" must not be a minute early.
        if at.second or at.microsecond:
            at = at.replace(second=0, microsecond=0) + timedelta(minutes=1)
        hour = at.hour % 12 or 12
        context["try_again_time"] = f"{hour}:{at.minute:02d}{'am' if at.hour < 12 else 'pm'}"
        context["try_again_date"] = f"{at.day} {at:%B %Y}"
    return render(request, "signin/locked_out.html", context, status=429)
