"""Every write about people. Each function is one use case: keyword-only,
atomic, validated, audited in the same transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.contrib.auth.models import Permission, User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from rrcase.access.models import Agency
from rrcase.audit.models import Action
from rrcase.audit.services import audit_event, audit_record, audit_record_many

from .models import (
    Involvement,
    InvolvementReason,
    Person,
    PersonGroupObjectPermission,
    PersonUserObjectPermission,
)


def _permission(codename: str) -> Permission:
    return Permission.objects.get(content_type__app_label="offenders", codename=codename)


def _sync_agency_grant(*, person: Person, agency: Agency) -> tuple[bool, bool]:
    """Make the agency's guardian rows match its active involvements.
    Returns whether the agency now has (view, change)."""
    active = Involvement.objects.filter(person=person, agency=agency, ended_at__isnull=True)
    wants_view = active.exists()
    wants_change = active.filter(can_change=True).exists()
    for codename, wanted in (("view_person", wants_view), ("change_person", wants_change)):
        permission = _permission(codename)
        rows = PersonGroupObjectPermission.objects.filter(
            group_id=agency.group_id, permission=permission, content_object=person
        )
        if wanted and not rows.exists():
            PersonGroupObjectPermission.objects.create(
                group_id=agency.group_id, permission=permission, content_object=person
            )
        elif not wanted:
            rows.delete()
    return wants_view, wants_change


@transaction.atomic
def involvement_start(
    *,
    person: Person,
    agency: Agency,
    reason: InvolvementReason | str,
    by: User | None,
    source: str = "",
    can_change: bool = False,
    justification: str = "",
) -> Involvement:
    """Give an agency access to a person for a recorded reason. Idempotent for
    the same (agency, reason, source)."""
    involvement = Involvement.objects.filter(
        person=person, agency=agency, reason=reason, source=source, ended_at__isnull=True
    ).first()
    if involvement is None:
        involvement = Involvement.objects.create(
            person=person,
            agency=agency,
            reason=reason,
            source=source,
            can_change=can_change,
            justification=justification,
            started_by=by,
        )
        _sync_agency_grant(person=person, agency=agency)
        audit_record(
            action=Action.GRANT,
            actor=by,
            obj=person,
            person_id=person.pk,
            recipient=agency.name,
            justification=justification,
            details={
                "agency": agency.code,
                "reason": str(reason),
                "source": source,
                "can_change": can_change,
            },
        )
    return involvement


@transaction.atomic
def involvement_end(
    *,
    person: Person,
    agency: Agency,
    reason: InvolvementReason | str,
    by: User | None,
    source: str = "",
    justification: str = "",
) -> None:
    """End one involvement; the agency keeps access while any other remains."""
    ended = Involvement.objects.filter(
        person=person, agency=agency, reason=reason, source=source, ended_at__isnull=True
    ).update(ended_at=timezone.now())
    if not ended:
        return
    still_view, _ = _sync_agency_grant(person=person, agency=agency)
    audit_record(
        action=Action.REVOKE,
        actor=by,
        obj=person,
        person_id=person.pk,
        recipient=agency.name,
        justification=justification,
        details={
            "agency": agency.code,
            "reason": str(reason),
            "source": source,
            "agency_still_has_access": still_view,
        },
    )


@transaction.atomic
def person_create(
    *,
    reference: str,
    given_name: str,
    family_name: str,
    date_of_birth: date,
    lead_agency: Agency,
    by: User | None,
    **fields: object,
) -> Person:
    """A new person, with their lead agency's grant (view and change)."""
    blocked = {"version", "restricted", "brag", "rosh", "id", "pk"} & set(fields)
    if blocked:
        raise ValueError(f"Set {', '.join(sorted(blocked))} through their own services.")
    person = Person.objects.create(
        reference=reference,
        given_name=given_name,
        family_name=family_name,
        date_of_birth=date_of_birth,
        lead_agency=lead_agency,
        **fields,
    )
    audit_record(action=Action.COLLECT, actor=by, obj=person, person_id=person.pk)
    involvement_start(
        person=person,
        agency=lead_agency,
        reason=InvolvementReason.LEAD_AGENCY,
        can_change=True,
        by=by,
        justification="Lead agency",
    )
    return person


@transaction.atomic
def person_restrict(
    *, person: Person, named_users: list[User], by: User, justification: str
) -> Person:
    """Make a record limited-access: only the named users (and no one else in
    any agency) may open it."""
    if not justification.strip():
        raise ValueError("Give the reason for restricting this record.")
    person = Person.objects.select_for_update().get(pk=person.pk)
    view = _permission("view_person")
    PersonUserObjectPermission.objects.filter(content_object=person, permission=view).exclude(
        Q(user__in=named_users)
    ).delete()
    for user in named_users:
        PersonUserObjectPermission.objects.get_or_create(
            user=user, permission=view, content_object=person
        )
    person.restricted = True
    person.version += 1
    person.save(update_fields=["restricted", "version", "updated_at"])
    audit_record(
        action=Action.ALTER,
        actor=by,
        obj=person,
        person_id=person.pk,
        justification=justification,
        details={"restricted": True, "named_users": sorted(u.get_username() for u in named_users)},
    )
    return person


@transaction.atomic
def involvements_start_bulk(
    *,
    rows: Sequence[tuple[Person, Agency, InvolvementReason | str, bool]],
    by: User | None,
    justification: str,
) -> int:
    """involvement_start for many (person, agency, reason, can_change) at once,
    in a constant number of queries: for imports and demo data. Skips rows
    already active. Returns how many involvements were started."""
    if not rows:
        return 0
    person_ids = {person.pk for person, _, _, _ in rows}
    existing = set(
        Involvement.objects.filter(
            person_id__in=person_ids, ended_at__isnull=True, source=""
        ).values_list("person_id", "agency_id", "reason")
    )
    new: list[Involvement] = []
    seen: set[tuple[int, int, str]] = set()
    for person, agency, reason, can_change in rows:
        key = (person.pk, agency.pk, str(reason))
        if key in existing or key in seen:
            continue
        seen.add(key)
        new.append(
            Involvement(
                person=person,
                agency=agency,
                reason=reason,
                can_change=can_change,
                justification=justification,
                started_by=by,
            )
        )
    Involvement.objects.bulk_create(new, batch_size=2000)

    view, change = _permission("view_person"), _permission("change_person")
    grants: dict[tuple[int, int, int], PersonGroupObjectPermission] = {}
    for involvement in new:
        group_id = involvement.agency.group_id
        for permission in (view, change) if involvement.can_change else (view,):
            grants[(group_id, permission.pk, involvement.person.pk)] = PersonGroupObjectPermission(
                group_id=group_id, permission=permission, content_object=involvement.person
            )
    PersonGroupObjectPermission.objects.bulk_create(
        grants.values(), batch_size=2000, ignore_conflicts=True
    )
    audit_record_many(
        [
            audit_event(
                action=Action.GRANT,
                actor=by,
                obj=involvement.person,
                person_id=involvement.person.pk,
                recipient=involvement.agency.name,
                justification=justification,
                details={"agency": involvement.agency.code, "reason": str(involvement.reason)},
            )
            for involvement in new
        ]
    )
    return len(new)
