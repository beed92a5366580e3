"""Every write about people. Each function is one use case: keyword-only,
atomic, validated, audited in the same transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from django.contrib.auth.models import Permission, User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from rrcase.access.models import Agency
from rrcase.access.selectors import agency_of
from rrcase.audit.models import Action, AuditEvent
from rrcase.audit.services import audit_event, audit_record, audit_record_many
from rrcase.core.text import REASON, check_length

from .models import (
    Brag,
    BragChange,
    Cohort,
    CohortMembership,
    Contact,
    ContactKind,
    Disposal,
    Enforcement,
    Involvement,
    InvolvementReason,
    Person,
    PersonGroupObjectPermission,
    PersonUserObjectPermission,
    RiskAssessment,
    Sensitivity,
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


def _access_event(
    action: Action,
    *,
    person: Person,
    agency: Agency,
    by: User | None,
    justification: str,
    **details: object,
) -> AuditEvent:
    """The audit event (unsaved) for an agency's access to a person starting
    (grant) or ending (revoke)."""
    return audit_event(
        action=action,
        actor=by,
        obj=person,
        person_id=person.pk,
        recipient=agency.name,
        justification=justification,
        details={"agency": agency.code, **details},
    )


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
        _access_event(
            Action.GRANT,
            person=person,
            agency=agency,
            by=by,
            justification=justification,
            reason=str(reason),
            source=source,
            can_change=can_change,
        ).save()
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
    _access_event(
        Action.REVOKE,
        person=person,
        agency=agency,
        by=by,
        justification=justification,
        reason=str(reason),
        source=source,
        agency_still_has_access=still_view,
    ).save()


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
    source: str = "",
) -> int:
    """involvement_start for many (person, agency, reason, can_change) with one
    `source` at once, in a constant number of queries: for imports, panel
    agendas and demo data. Skips rows already active. Returns how many
    involvements were started."""
    if not rows:
        return 0
    person_ids = {person.pk for person, _, _, _ in rows}
    existing = set(
        Involvement.objects.filter(
            person_id__in=person_ids, ended_at__isnull=True, source=source
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
                source=source,
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
            _access_event(
                Action.GRANT,
                person=involvement.person,
                agency=involvement.agency,
                by=by,
                justification=justification,
                reason=str(involvement.reason),
                source=source,
                can_change=involvement.can_change,
            )
            for involvement in new
        ]
    )
    return len(new)


class StaleEdit(Exception):
    """The record changed since the user read it: show "someone else changed this"."""


_NewRecord = TypeVar("_NewRecord", CohortMembership, Contact, Enforcement, RiskAssessment)


def _add(
    record: _NewRecord, *, by: User | None, details: dict[str, Any], action: Action = Action.COLLECT
) -> _NewRecord:
    """Validate and save a new record about a person, with its audit event."""
    record.full_clean()
    record.save()
    audit_record(action=action, actor=by, obj=record, person_id=record.person_id, details=details)
    return record


def _acting_agency(by: User, what: str) -> Agency:
    """The agency a record is made by: the acting user's."""
    agency = agency_of(by)
    if agency is None:
        raise ValueError(f"Only a member of an agency can record {what}.")
    return agency


def _check_version(
    locked: Person | CohortMembership | Disposal, version: int | None, what: str
) -> None:
    """Check the caller read the current version of a row it has locked. A
    missing version is refused, not accepted (SECURITY.md)."""
    if version is None:
        raise StaleEdit(f"The form did not say which version of the {what} it changes.")
    if locked.version != version:
        raise StaleEdit(f"Someone else changed this {what} while you were editing it.")


def _alter(
    record: CohortMembership | Disposal,
    *,
    by: User | None,
    details: dict[str, Any],
    **changes: object,
) -> None:
    """Save changes to a locked record about a person, with a new version and
    the alteration in the audit trail."""
    for name, value in changes.items():
        setattr(record, name, value)
    record.version += 1
    record.save(update_fields=[*changes, "version"])
    audit_record(
        action=Action.ALTER, actor=by, obj=record, person_id=record.person_id, details=details
    )


def _lock_current(person: Person, version: int | None) -> Person:
    """Lock the person row and check the caller read the current version."""
    locked = Person.objects.select_for_update().get(pk=person.pk)
    _check_version(locked, version, "record")
    return locked


def _bump(person: Person, *fields: str) -> None:
    person.version += 1
    person.save(update_fields=[*fields, "version", "updated_at"])


@transaction.atomic
def person_update(*, person: Person, version: int | None, by: User, **changes: object) -> Person:
    """Change a person's own details (names, identifiers, custody status…)."""
    allowed = {
        "given_name", "family_name", "date_of_birth", "gender", "ethnicity", "pnc_id",
        "nomis_number", "offender_manager", "police_spoc", "custody_status", "prison",
        "expected_release_date",
    }  # fmt: skip
    refused = set(changes) - allowed
    if refused:
        raise ValueError(f"{', '.join(sorted(refused))} cannot be changed here.")
    locked = _lock_current(person, version)
    before = {name: str(getattr(locked, name)) for name in changes}
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.full_clean(exclude=["lead_agency"])
    _bump(locked, *changes)
    audit_record(
        action=Action.ALTER,
        actor=by,
        obj=locked,
        person_id=locked.pk,
        details={"before": before, "after": {n: str(v) for n, v in changes.items()}},
    )
    return locked


@transaction.atomic
def brag_change(
    *, person: Person, status: str, reason: str, version: int | None, by: User
) -> BragChange:
    """Record a new BRAG status. Every change has a date, a reason and who (DOMAIN.md)."""
    if status not in Brag.values:
        raise ValueError(f"{status!r} is not a BRAG status.")
    if not reason.strip():
        raise ValueError("Give the reason for the BRAG change.")
    check_length(reason.strip(), REASON, "Reason for the change")
    locked = _lock_current(person, version)
    if locked.brag == status:
        # Not a change: recording it would put a banner and a reason in front
        # of every agency for nothing.
        raise ValueError(
            f"The BRAG status is already {Brag(status).label}: select a different status."
        )
    change = BragChange.objects.create(
        person=locked,
        status=status,
        reason=reason.strip(),
        changed_by=by,
        changed_at=timezone.now(),
    )
    previous = locked.brag
    locked.brag = status
    _bump(locked, "brag")
    audit_record(
        action=Action.ALTER,
        actor=by,
        obj=change,
        person_id=locked.pk,
        details={"brag": {"from": previous, "to": status}},
    )
    return change


@transaction.atomic
def cohort_adopt(
    *,
    person: Person,
    cohort: str,
    start_date: date,
    reason: str,
    by: User,
    strand: str = "",
    mappa_category: int | None = None,
    mappa_level: int | None = None,
    selection_score: Decimal | None = None,
) -> CohortMembership:
    """Adopt a person into a cohort. The cohort's partner agencies are granted
    access for as long as the membership lasts."""
    if cohort not in Cohort.values:
        raise ValueError(f"{cohort!r} is not a cohort.")
    if not reason.strip():
        raise ValueError("Give the reason for adopting this person into the cohort.")
    if CohortMembership.objects.filter(
        person=person, cohort=cohort, end_date__isnull=True
    ).exists():
        raise ValueError("This person is already in that cohort.")
    if cohort == Cohort.MAPPA and (mappa_category is None or mappa_level is None):
        raise ValueError("MAPPA membership needs a category and a level.")
    membership = CohortMembership(
        person=person,
        cohort=cohort,
        start_date=start_date,
        strand=strand if cohort == Cohort.IOM else "",
        mappa_category=mappa_category if cohort == Cohort.MAPPA else None,
        mappa_level=mappa_level if cohort == Cohort.MAPPA else None,
        selection_reason=reason.strip(),
        selection_score=selection_score,
        created_by=by,
    )
    _add(
        membership,
        by=by,
        action=Action.ALTER,
        details={"cohort": cohort, "adopted": str(start_date)},
    )
    for code in COHORT_PARTNER_AGENCY_KINDS.get(cohort, ()):
        for agency in Agency.objects.filter(kind=code, is_active=True):
            involvement_start(
                person=person,
                agency=agency,
                reason=InvolvementReason.COHORT,
                source=f"cohort:{membership.pk}",
                can_change=True,
                by=by,
                justification=f"Partner agency for the {membership.get_cohort_display()} cohort",
            )
    return membership


@transaction.atomic
def cohort_deselect(
    *, membership: CohortMembership, end_date: date, reason: str, version: int | None, by: User
) -> CohortMembership:
    """End a cohort membership with its de-selection reason; partner agencies
    lose the access that came from it (but keep any other)."""
    if not reason.strip():
        raise ValueError("Give the reason for de-selecting this person.")
    locked = CohortMembership.objects.select_for_update().get(pk=membership.pk)
    _check_version(locked, version, "cohort membership")
    if locked.end_date is not None:
        raise ValueError("This membership has already ended.")
    if end_date < locked.start_date:
        raise ValueError("The de-selection date must be on or after the adoption date.")
    _alter(
        locked,
        by=by,
        details={"cohort": locked.cohort, "deselected": str(end_date)},
        end_date=end_date,
        deselection_reason=reason.strip(),
    )
    for involvement in Involvement.objects.filter(
        person_id=locked.person_id, source=f"cohort:{locked.pk}", ended_at__isnull=True
    ).select_related("agency"):
        involvement_end(
            person=locked.person,
            agency=involvement.agency,
            reason=involvement.reason,
            source=involvement.source,
            by=by,
            justification="Cohort membership ended",
        )
    return locked


@transaction.atomic
def contact_record(
    *,
    person: Person,
    kind: str,
    occurred_on: date,
    by: User,
    outcome: str = "",
    notes: str = "",
    drug_test_result: str = "",
    substances: str = "",
    sensitivity: str = Sensitivity.STANDARD,
) -> Contact:
    """Log a contact (appointment, visit, call, drug test or note) by the
    acting user's agency."""
    contact = Contact(
        person=person,
        kind=kind,
        occurred_on=occurred_on,
        outcome=outcome,
        agency=_acting_agency(by, "contacts"),
        recorded_by=by,
        notes=notes,
        drug_test_result=drug_test_result if kind == ContactKind.DRUG_TEST else "",
        substances=substances if kind == ContactKind.DRUG_TEST else "",
        sensitivity=sensitivity,
    )
    return _add(contact, by=by, details={"kind": kind, "outcome": outcome})


@transaction.atomic
def enforcement_record(
    *,
    person: Person,
    kind: str,
    occurred_at: datetime,
    by: User,
    decision_at: datetime | None = None,
    notes: str = "",
    sensitivity: str = Sensitivity.STANDARD,
) -> Enforcement:
    """Record a warning, breach, recall request, recall, arrest or civil order."""
    enforcement = Enforcement(
        person=person,
        kind=kind,
        occurred_at=occurred_at,
        decision_at=decision_at,
        agency=_acting_agency(by, "enforcement"),
        recorded_by=by,
        notes=notes,
        sensitivity=sensitivity,
    )
    return _add(enforcement, by=by, details={"kind": kind})


@transaction.atomic
def assessment_record(
    *,
    person: Person,
    assessed_on: date,
    by: User,
    rosh: str = "",
    ogrs3_1y: int | None = None,
    ogrs3_2y: int | None = None,
    ovp_2y: int | None = None,
    predicted_3m: Decimal | None = None,
) -> RiskAssessment:
    """Record an assessment's scores (imported from OASys, never guessed). The
    latest assessment's RoSH becomes the person's current RoSH."""
    assessment = RiskAssessment(
        person=person,
        assessed_on=assessed_on,
        rosh=rosh,
        ogrs3_1y=ogrs3_1y,
        ogrs3_2y=ogrs3_2y,
        ovp_2y=ovp_2y,
        predicted_3m=predicted_3m,
    )
    _add(assessment, by=by, details={"assessed_on": str(assessed_on)})
    latest = RiskAssessment.objects.filter(person=person).order_by("-assessed_on").first()
    if latest is not None and latest.pk == assessment.pk and rosh:
        Person.objects.filter(pk=person.pk).update(rosh=rosh)
    return assessment


# The agency kinds that work each cohort together; adopting a person grants them access.
COHORT_PARTNER_AGENCY_KINDS: dict[str, tuple[str, ...]] = {
    Cohort.IOM: ("police", "probation"),
    Cohort.PPO: ("police", "probation"),
    Cohort.DIP: ("drug_alcohol", "probation"),
    Cohort.MAPPA: ("police", "probation", "prison"),
    Cohort.SGV: ("police", "council"),
    Cohort.ASB: ("council", "housing", "police"),
}


@transaction.atomic
def disposal_terminate(
    *, disposal: Disposal, terminated_date: date, reason: str, version: int | None, by: User
) -> Disposal:
    """Record that a sentence or order has ended (completed, revoked, recalled,
    ended early…): the day and why. The accommodation and employment at its
    end then come from the pathways outcomes recorded by that day (NI 143 / 144)."""
    if not reason.strip():
        raise ValueError("Give the reason the sentence or order ended.")
    locked = Disposal.objects.select_for_update().get(pk=disposal.pk)
    # Before the version check: a second submit of the same form says what happened.
    if locked.terminated_date is not None:
        raise ValueError(
            f"This sentence or order has already ended, on {locked.terminated_date:%-d %B %Y}."
        )
    _check_version(locked, version, "sentence or order")
    if terminated_date < locked.start_date:
        raise ValueError(
            f"The end date must be on or after the start date, {locked.start_date:%-d %B %Y}."
        )
    if terminated_date > timezone.localdate():
        raise ValueError("The end date must be today or in the past.")
    _alter(
        locked,
        by=by,
        details={"terminated": str(terminated_date), "reason": reason.strip()},
        terminated_date=terminated_date,
        termination_reason=reason.strip(),
    )
    return disposal_end_outcomes_record(disposal=locked, by=by)


@transaction.atomic
def disposal_end_outcomes_record(*, disposal: Disposal, by: User | None) -> Disposal:
    """Set a terminated disposal's accommodation_at_end / employment_at_end from
    the latest accommodation and employment (ETE) outcomes recorded in pathways
    on or before its terminated_date, so NI 143 / 144 count the same facts
    practitioners record. A status with no outcome by then is left as it was
    (imported, or unknown). disposal_terminate calls it, and so should any other
    code that terminates a disposal; pathways calls it when an outcome is
    recorded for a terminated disposal."""
    from pathways.selectors import disposal_end_statuses

    locked = Disposal.objects.select_for_update().get(pk=disposal.pk)
    if locked.terminated_date is None:
        return locked
    accommodation, employment = disposal_end_statuses(
        person_id=locked.person_id, day=locked.terminated_date
    )
    found = {"accommodation_at_end": accommodation, "employment_at_end": employment}
    before = {name: getattr(locked, name) for name in found}
    after = {name: before[name] if value is None else value for name, value in found.items()}
    if after != before:
        details = {"before": before, "after": after, "from": "pathways outcomes"}
        _alter(locked, by=by, details=details, **after)
    return locked


@transaction.atomic
def person_merge(*, survivor: Person, duplicate: Person, justification: str, by: User) -> Person:
    """Merge a duplicate record into the survivor, keeping all history.

    Every row that points at the duplicate (in any app: offences, contacts,
    referrals, panel items…) is moved to the survivor, the duplicate's name is
    kept as an alias and its identifiers fill the survivor's blanks; agencies
    involved with either keep their access through moved involvements. The
    duplicate row is then deleted: its id survives in the audit trail, where a
    combination event on both ids records the merge (docs/decisions.md)."""
    from django.db.models import ForeignKey

    from .models import AlertSnapshot, Alias

    if not justification.strip():
        raise ValueError("Give the reason these records are the same person.")
    if survivor.pk == duplicate.pk:
        raise ValueError("A record cannot be merged into itself.")
    first, second = sorted([survivor.pk, duplicate.pk])
    locked = {p.pk: p for p in Person.objects.select_for_update().filter(pk__in=[first, second])}
    keep, drop = locked[survivor.pk], locked[duplicate.pk]
    if keep.restricted != drop.restricted:
        raise ValueError(
            "One record is restricted and the other is not: restrict or lift the "
            "restriction first, so the merge shows nobody what they could not see."
        )

    # Rows unique per person that both records may hold: the survivor's wins.
    RiskAssessment.objects.filter(
        person=drop,
        assessed_on__in=RiskAssessment.objects.filter(person=keep).values("assessed_on"),
    ).delete()
    for membership in CohortMembership.objects.filter(person=keep):
        CohortMembership.objects.filter(
            person=drop, cohort=membership.cohort, start_date=membership.start_date
        ).delete()
    for code, on in AlertSnapshot.objects.filter(person=keep).values_list("code", "on"):
        AlertSnapshot.objects.filter(person=drop, code=code, on=on).delete()
    # Involvements: an active one the survivor already has is ended, not doubled.
    agencies = set(Involvement.objects.filter(person=drop).values_list("agency_id", flat=True))
    for involvement in Involvement.objects.filter(person=drop, ended_at__isnull=True):
        if Involvement.objects.filter(
            person=keep,
            agency_id=involvement.agency_id,
            reason=involvement.reason,
            source=involvement.source,
            ended_at__isnull=True,
        ).exists():
            involvement.ended_at = timezone.now()
            involvement.save(update_fields=["ended_at"])

    moved: dict[str, int] = {}
    skip = {PersonGroupObjectPermission, PersonUserObjectPermission}
    for relation in Person._meta.related_objects:
        field = relation.field
        if relation.related_model in skip or not isinstance(field, ForeignKey):
            continue
        count = relation.related_model._base_manager.filter(**{field.name: drop}).update(
            **{field.name: keep}
        )
        if count:
            moved[relation.related_model._meta.label_lower] = count
    for agency in Agency.objects.filter(pk__in=agencies):
        _sync_agency_grant(person=keep, agency=agency)
    if keep.restricted:
        view = _permission("view_person")
        for user_id in PersonUserObjectPermission.objects.filter(
            content_object=drop, permission=view
        ).values_list("user_id", flat=True):
            PersonUserObjectPermission.objects.get_or_create(
                user_id=user_id, permission=view, content_object=keep
            )

    if (drop.given_name, drop.family_name) != (keep.given_name, keep.family_name):
        Alias.objects.get_or_create(
            person=keep, given_name=drop.given_name, family_name=drop.family_name
        )
    filled = []
    for name in ("pnc_id", "nomis_number", "ethnicity"):
        if not getattr(keep, name) and getattr(drop, name):
            setattr(keep, name, getattr(drop, name))
            filled.append(name)
    details = {
        "survivor": {"id": keep.pk, "reference": keep.reference},
        "merged": {"id": drop.pk, "reference": drop.reference},
        "moved": moved,
        "filled": filled,
    }
    for person_id in (keep.pk, drop.pk):
        audit_record(
            action=Action.COMBINE,
            actor=by,
            obj=keep,
            person_id=person_id,
            justification=justification.strip(),
            details=details,
        )
    drop.delete()
    _bump(keep, *filled)
    return keep


@transaction.atomic
def alert_snapshot_take(*, on: date) -> int:
    """Record who has which alert on `on` (offenders.alerts). Idempotent: a
    second run the same day adds only what is new. Returns rows written."""
    from . import alerts
    from .models import AlertSnapshot

    for rule in alerts.RULES:
        ids = alerts.people_with_alert(rule.code, on).values_list("pk", flat=True)
        rows = [AlertSnapshot(person_id=pk, code=rule.code, on=on) for pk in ids.iterator()]
        AlertSnapshot.objects.bulk_create(rows, batch_size=5000, ignore_conflicts=True)
    return AlertSnapshot.objects.filter(on=on).count()
