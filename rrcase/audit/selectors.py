"""Reads of the audit trail, each checking who may read it."""

from __future__ import annotations

from datetime import date

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


def audit_event_list_for(
    user: User | AnonymousUser,
    *,
    person_id: int | None = None,
    username: str = "",
    agency_id: int | None = None,
    action: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AuditEvent]:
    """The audit trail, filtered, for holders of the audit permission only."""
    if not user.has_perm("audit.view_audit_trail"):
        raise PermissionDenied("Reading the audit trail needs the audit permission.")
    events = AuditEvent.objects.select_related("agency").order_by("-at", "-id")
    if person_id is not None:
        events = events.filter(person_id=person_id)
    if username:
        events = events.filter(actor_username=username)
    if agency_id is not None:
        events = events.filter(agency_id=agency_id)
    if action:
        events = events.filter(action=action)
    if date_from is not None:
        events = events.filter(at__date__gte=date_from)
    if date_to is not None:
        events = events.filter(at__date__lte=date_to)
    return events
