"""Second factors and the sessions a user holds.

TOTP devices are django-otp's own (`otp_totp.TOTPDevice`). Recovery codes are
ours: django-otp's static tokens are stored in plain text, and a recovery code
is as good as a password, so only a salted SHA-256 of each code is kept.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.db import models
from django.utils import timezone
from django_otp.models import Device, ThrottlingMixin


class UserSession(models.Model):
    """Which sessions belong to which user, written at sign-in, so ending every
    session of a deactivated user is one query instead of decoding them all."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    session_key = models.CharField(max_length=40, unique=True)
    signed_in_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["user"], name="signin_usersession_user")]

    def __str__(self) -> str:
        return f"session of user {self.user_id} since {self.signed_in_at:%Y-%m-%d %H:%M}"


def recovery_code_normalise(code: str) -> str:
    """Codes are shown as XXXX-XXXX-XXXX-XXXX; people may type them with spaces,
    without hyphens or in lower case."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def recovery_code_hash(*, salt: str, code: str) -> str:
    return hashlib.sha256(f"{salt}:{recovery_code_normalise(code)}".encode()).hexdigest()


class RecoveryCodeDevice(ThrottlingMixin, Device):
    """A user's set of single-use recovery codes, as one django-otp device so a
    session verified by a recovery code is verified in the same way as by TOTP."""

    class Meta(Device.Meta):
        verbose_name = "recovery code set"

    def get_throttle_factor(self) -> int:
        return int(getattr(settings, "OTP_RECOVERY_CODE_THROTTLE_FACTOR", 1))

    def verify_token(self, token: object) -> bool:
        """Accept an unused code once; mark it used. Call inside a transaction,
        with this device locked (select_for_update), as django-otp does."""
        allowed, _ = self.verify_is_allowed()
        if not allowed:
            return False
        candidate = recovery_code_normalise(str(token))
        matched = None
        if candidate:
            for code in self.codes.filter(used_at__isnull=True).order_by("pk"):
                expected = recovery_code_hash(salt=code.salt, code=candidate)
                if hmac.compare_digest(expected, code.code_hash):
                    matched = code
                    break
        if matched is None:
            self.throttle_increment(commit=True)
            return False
        matched.used_at = timezone.now()
        matched.save(update_fields=["used_at"])
        self.throttle_reset(commit=True)
        return True

    def remaining(self) -> int:
        return self.codes.filter(used_at__isnull=True).count()


class RecoveryCode(models.Model):
    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    salt = models.CharField(max_length=32)
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"recovery code {self.pk} ({'used' if self.used_at else 'unused'})"
