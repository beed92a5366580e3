"""Writes for second factors and sessions. Each is atomic and audited where a
person would ask "who did this, and when?"."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice

from rrcase.audit.models import Action
from rrcase.audit.services import audit_record

from .demo_accounts import demo_accounts_allowed, is_demo_totp_key
from .models import RecoveryCode, RecoveryCodeDevice, UserSession, recovery_code_hash

RECOVERY_CODE_COUNT = 10
# No 0/O, 1/I/L or U: codes are read off paper and typed by hand.
_RECOVERY_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
_RECOVERY_GROUPS = 4
_RECOVERY_GROUP_LENGTH = 4  # 16 characters from 30: about 78 bits per code
TOTP_DEVICE_NAME = "Authenticator app"


@dataclass(frozen=True)
class SecondFactorResult:
    device: Device | None
    # Set when django-otp's back-off refused to check the code at all.
    try_again_at: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.device is not None


def totp_device_for(user: User) -> TOTPDevice | None:
    """The user's confirmed authenticator, if they have set one up."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


@transaction.atomic
def totp_device_start(*, user: User) -> TOTPDevice:
    """An unconfirmed authenticator for the set-up page; the same one on reload,
    so the QR code a person has already scanned stays valid."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


@transaction.atomic
def totp_device_create(*, user: User, key: str, by: User | None) -> TOTPDevice:
    """A confirmed authenticator with a known hex key (the demo accounts)."""
    device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, key=key, confirmed=True)
    audit_record(
        action=Action.COLLECT, actor=by, obj=device, details={"factor": "totp", "user": user.pk}
    )
    return device


@transaction.atomic
def totp_enrol_confirm(*, user: User, token: str) -> tuple[TOTPDevice | None, list[str]]:
    """Confirm the authenticator being set up with a code from it. Returns the
    device and the new recovery codes (shown once), or (None, []) if the code
    was wrong."""
    device = (
        TOTPDevice.objects.select_for_update()
        .filter(user=user, confirmed=False)
        .order_by("pk")
        .first()
    )
    if device is None or not device.verify_token(token):
        audit_record(
            action=Action.LOGIN_FAILED,
            actor=user,
            details={"factor": "totp", "stage": "enrolment"},
        )
        return None, []
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    codes = recovery_codes_issue(user=user)
    audit_record(
        action=Action.LOGIN,
        actor=user,
        obj=device,
        details={
            "factor": "totp",
            "stage": "enrolment",
            "mfa_enrolled": True,
            "recovery_codes_issued": len(codes),
        },
    )
    return device, codes


@transaction.atomic
def recovery_codes_issue(*, user: User) -> list[str]:
    """Replace the user's recovery codes with new ones. Only hashes are stored;
    the plain codes are returned to be shown once."""
    RecoveryCodeDevice.objects.filter(user=user).delete()
    device = RecoveryCodeDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(
            secrets.choice(_RECOVERY_ALPHABET)
            for _ in range(_RECOVERY_GROUPS * _RECOVERY_GROUP_LENGTH)
        )
        code = "-".join(
            raw[i : i + _RECOVERY_GROUP_LENGTH] for i in range(0, len(raw), _RECOVERY_GROUP_LENGTH)
        )
        salt = secrets.token_hex(16)
        RecoveryCode.objects.create(
            device=device, salt=salt, code_hash=recovery_code_hash(salt=salt, code=code)
        )
        codes.append(code)
    return codes


def second_factor_verify(*, user: User, token: str, method: str) -> SecondFactorResult:
    """Check a code from the user's authenticator (method "totp") or one of
    their recovery codes ("recovery_code"). A TOTP code is accepted once: the
    device remembers the last time step it accepted (django-otp's last_t).
    Failures back off exponentially per device (django-otp's throttling)."""
    model: type[TOTPDevice] | type[RecoveryCodeDevice] = (
        TOTPDevice if method == "totp" else RecoveryCodeDevice
    )
    with transaction.atomic():
        devices = model.objects.select_for_update().filter(user=user, confirmed=True)
        device = devices.order_by("pk").first()
        try_again_at = None
        verified = False
        demo_key = (
            isinstance(device, TOTPDevice)
            and not demo_accounts_allowed()
            and is_demo_totp_key(device.key)
        )
        if device is not None and not demo_key:
            allowed, info = device.verify_is_allowed()
            if allowed:
                verified = device.verify_token(token)
            else:
                try_again_at = (info or {}).get("locked_until")
        details: dict[str, object] = {"factor": method, "stage": "second_factor"}
        if demo_key:
            # Its codes can be worked out by anyone from the published secret.
            details["refused"] = "demo authenticator secret"
        if verified and isinstance(device, RecoveryCodeDevice):
            details["recovery_codes_left"] = device.remaining()
        if try_again_at is not None:
            details["throttled"] = True
        audit_record(
            action=Action.LOGIN if verified else Action.LOGIN_FAILED,
            actor=user,
            obj=device if device is not None else None,
            details=details,
        )
    return SecondFactorResult(device=device if verified else None, try_again_at=try_again_at)


def user_session_record(*, user: User, session_key: str) -> UserSession:
    # Forget this user's sessions that have since expired, so the table stays
    # the size of the sessions actually open.
    live = Session.objects.filter(expire_date__gt=timezone.now()).values("session_key")
    UserSession.objects.filter(user=user).exclude(session_key__in=live).delete()
    session, _ = UserSession.objects.update_or_create(
        session_key=session_key, defaults={"user": user, "signed_in_at": timezone.now()}
    )
    return session


def user_session_rekey(*, old_key: str, new_key: str) -> None:
    UserSession.objects.filter(session_key=old_key).update(session_key=new_key)


def user_session_forget(*, session_key: str) -> None:
    UserSession.objects.filter(session_key=session_key).delete()


@transaction.atomic
def user_sessions_end(*, user: User) -> int:
    """End every session the user holds, server-side. Returns how many ended.
    Sessions are in the database (Django's default engine, which rrcase uses)."""
    keys = UserSession.objects.filter(user=user).values("session_key")
    ended, _ = Session.objects.filter(session_key__in=keys).delete()
    UserSession.objects.filter(user=user).delete()
    return ended
