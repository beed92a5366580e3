"""The one way to write the audit trail. Every app calls `audit_record` (or
`audit_record_many` for bulk work) inside the same transaction as the change it
describes, so a change and its audit row commit or roll back together."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import models

from rrcase.core import request_context

from .models import Action, AuditEvent


def audit_event(
    *,
    action: Action | str,
    actor: User | AnonymousUser | None = None,
    obj: models.Model | None = None,
    person_id: int | None = None,
    recipient: str = "",
    justification: str = "",
    details: dict[str, Any] | None = None,
    actor_username: str = "",
) -> AuditEvent:
    """An unsaved event filled in from the acting user and the current request."""
    user = actor if actor is not None and actor.is_authenticated else None
    membership = getattr(user, "membership", None) if user is not None else None
    context = request_context.current()
    return AuditEvent(
        actor=user,
        actor_username=user.get_username() if user is not None else actor_username,
        agency_id=membership.agency_id if membership is not None else None,
        action=str(action),
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        person_id=person_id,
        recipient=recipient,
        justification=justification,
        ip_address=context.ip_address if context else None,
        request_id=context.request_id if context else "",
        details=details or {},
    )


def audit_record(**kwargs: Any) -> AuditEvent:
    """Write one audit event. Takes the keyword arguments of `audit_event`."""
    event = audit_event(**kwargs)
    event.save()
    return event


def audit_people_listed(
    *,
    actor: Any,
    listed: str,
    person_ids: Iterable[int],
    query: dict[str, Any] | None = None,
    obj: Any = None,
    **details: Any,
) -> AuditEvent:
    """A page that lists people is a consultation of each person on it
    (SECURITY.md): one event naming what was listed, the ids shown and the
    query that chose them."""
    return audit_record(
        action=Action.CONSULT,
        actor=actor,
        obj=obj,
        details={
            "object": listed,
            "people": list(person_ids),
            **({"query": query} if query is not None else {}),
            **details,
        },
    )


def audit_record_many(events: list[AuditEvent]) -> None:
    """Write events built with `audit_event` in one statement (imports, bulk grants)."""
    AuditEvent.objects.bulk_create(events, batch_size=2000)


def audit_record_copy(events: list[dict[str, Any]]) -> None:
    """audit_record_many through one COPY, for writers of tens of thousands of
    events at once (an import's event per person). Each event is a dict of
    AuditEvent field values by attribute name (actor_id, agency_id, action,
    person_id, details…), as `audit_event` would set them; fields left out take
    their defaults, and `at` is now. Building model instances and Django's
    INSERT cost about 0.1 ms an event; this a small fraction of that."""
    if not events:
        return
    from django.db import connection
    from django.utils import timezone
    from psycopg.types.json import Jsonb

    fields = [f for f in AuditEvent._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(f'"{f.column}"' for f in fields)
    now = timezone.now()
    defaults = {f.attname: (f.get_default() if f.has_default() else None) for f in fields}
    defaults.update({f.attname: "" for f in fields if not f.null and not f.has_default()})
    names = [f.attname for f in fields]
    # Table and column names come from the model.
    statement = f'COPY "{AuditEvent._meta.db_table}" ({columns}) FROM STDIN'
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for event in events:
            row = {**defaults, **event, "at": now}
            row["details"] = Jsonb(row["details"] or {})
            copy.write_row([row[name] for name in names])
