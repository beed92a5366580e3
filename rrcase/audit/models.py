"""The audit trail required by DPA 2018 s.62 (logging for law-enforcement processing).

Rows are only ever inserted: a database trigger (see migration 0002) rejects
UPDATE and DELETE, so not even the application's own database role can rewrite
history.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from rrcase.core.text import NOTE, text_bound


class Action(models.TextChoices):
    COLLECT = "collect", "Collection"
    ALTER = "alter", "Alteration"
    CONSULT = "consult", "Consultation"
    DISCLOSE = "disclose", "Disclosure"
    COMBINE = "combine", "Combination"
    ERASE = "erase", "Erasure"
    LOGIN = "login", "Sign-in"
    LOGOUT = "logout", "Sign-out"
    LOGIN_FAILED = "login_failed", "Failed sign-in"
    ACCESS_DENIED = "access_denied", "Access denied"
    GRANT = "grant", "Access granted"
    REVOKE = "revoke", "Access revoked"


class AuditEvent(models.Model):
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Kept as plain values as well as links: the trail must still read correctly
    # after a user or agency is deactivated or renamed.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_username = models.CharField(max_length=150, blank=True)
    agency = models.ForeignKey(
        "access.Agency",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    action = models.CharField(max_length=20, choices=Action.choices, db_index=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    # The person the event is about, so a person's access log and a subject
    # access request are one indexed lookup. An id, not a foreign key: erasing a
    # person must not erase the record that they were erased.
    person_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    recipient = models.CharField(max_length=200, blank=True)
    # Written from bounded reasons (rrcase.core.text.REASON) and services'
    # own sentences; the bound is wider so a justification never fails a write.
    justification = models.TextField(blank=True, max_length=NOTE)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["actor", "-at"], name="audit_actor_at"),
            models.Index(fields=["person_id", "-at"], name="audit_person_at"),
        ]
        permissions = [("view_audit_trail", "Can read the audit trail")]
        constraints = [text_bound("justification", NOTE, prefix="auditevent")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_username or 'system'} {self.action}"
