"""Reads of the audit trail, each checking who may read it."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from rrcase.access.selectors import agency_of

from .models import AuditEvent


def person_access_log_for(user: User | AnonymousUser, person: object) -> QuerySet[AuditEvent]:
    """Who viewed, changed or was given access to a person. Readable by the
    person's lead agency and by holders of the audit permission (DESIGN.md
    "Audit"). `person` must already have been loaded with person_get_for."""
    agency = agency_of(user)
    lead_agency_id = getattr(person, "lead_agency_id", None)
    if not user.has_perm("audit.view_audit_trail") and (
        agency is None or agency.pk != lead_agency_id
    ):
        raise PermissionDenied("Only the lead agency can see this person's access log.")
    return (
        AuditEvent.objects.filter(person_id=getattr(person, "pk", None))
        .select_related("agency")
        .order_by("-at", "-id")
    )
