"""Who may call the API: browser sessions that passed the second factor, and
integrations holding an ApiToken issued to a user enrolled in it."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django_otp import user_has_device
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions
from rest_framework.request import Request

from offenders.models import ApiToken
from rrcase.audit.models import Action
from rrcase.audit.services import audit_record
from rrcase.signin.demo_accounts import demo_sign_in_refused

TOKEN_DAYS = 90
_OTP_MIDDLEWARE = "django_otp.middleware.OTPMiddleware"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_issue(
    *, user: User, name: str, by: User | None, days: int = TOKEN_DAYS
) -> tuple[ApiToken, str]:
    """A new token for `user`, and its key (shown once; only its hash is kept).
    Only users enrolled in the second factor get one: a token skips the code
    at each call, so it must come from an account that has one."""
    if not user.is_active:
        raise ValueError("This account is deactivated.")
    if not user_has_device(user, confirmed=True):
        raise ValueError("Set up the second factor (authenticator app) before asking for a token.")
    if not name.strip():
        raise ValueError("Say what the token is for.")
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name.strip()[:100],
        prefix=key[:8],
        key_hash=_hash(key),
        expires_at=timezone.now() + timedelta(days=days),
    )
    audit_record(
        action=Action.GRANT,
        actor=by,
        obj=token,
        recipient=user.get_username(),
        details={"api_token": token.prefix, "expires_at": token.expires_at.isoformat()},
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, by: User | None) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            action=Action.REVOKE,
            actor=by,
            obj=token,
            recipient=token.user.get_username(),
            details={"api_token": token.prefix},
        )


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <key>`."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode(errors="replace") != self.keyword:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Give the token after 'Bearer '.")
        key = header[1].decode(errors="replace")
        token = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=_hash(key), revoked_at__isnull=True, expires_at__gt=timezone.now())
            .first()
        )
        # A demo account's token is refused where demo accounts may not sign in
        # (rrcase/signin/demo_accounts.py), whatever the database holds.
        if (
            token is None
            or not token.user.is_active
            or demo_sign_in_refused(username=token.user.get_username())
        ):
            raise exceptions.AuthenticationFailed("Invalid, expired or revoked token.")
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class SignedInWithSecondFactor(permissions.BasePermission):
    """Signed in, and either through a token (issued only to users with a
    second factor) or in a session verified by a code. The API views are
    exempt from the sign-in middleware (so tokens reach them), so this is
    where the second factor is enforced for sessions."""

    message = "Sign in with your second factor to use the API."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if isinstance(request.auth, ApiToken):
            return True
        if _OTP_MIDDLEWARE not in settings.MIDDLEWARE:
            return True
        is_verified = getattr(user, "is_verified", None)
        return bool(is_verified and is_verified())


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "offenders.api.auth.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A token from `manage.py issue_api_token` (docs/api.md).",
        }
