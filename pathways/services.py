"""Every write about pathways. One function per use case: keyword-only,
atomic, validated, locked (version check) and audited in one transaction.

The referral state machine is REFERRAL_TRANSITIONS below, and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from offenders import services as offender_services
from offenders.models import SUPERVISED_TYPES, Disposal, InvolvementReason, Person
from offenders.services import StaleEdit
from rrcase.access.models import Agency, Membership
from rrcase.access.roles import PERSON_WRITE_ROLES
from rrcase.access.selectors import agency_of, role_of
from rrcase.audit.models import Action
from rrcase.audit.services import audit_record

from .models import (
    OPEN_NEED_STATUSES,
    OUTCOME_VALUES,
    PATHWAY_OUTCOME_KIND,
    Need,
    NeedLevel,
    NeedNote,
    NeedStatus,
    NeedType,
    Notification,
    Outcome,
    OutcomeKind,
    Pathway,
    PathwayAssessment,
    Referral,
    ReferralEvent,
    ReferralState,
    Responsibility,
    Service,
)

__all__ = ["IllegalTransition", "StaleEdit"]


class IllegalTransition(ValueError):
    """The referral is not in a state that allows this step."""


def _acting_agency(by: User) -> Agency:
    agency = agency_of(by)
    if agency is None or role_of(by) not in PERSON_WRITE_ROLES:
        raise PermissionDenied("Only a practitioner or panel chair of an agency can do this.")
    return agency


def _check_version(current: int, given: int | None, what: str) -> None:
    if given is None:
        raise StaleEdit(f"The form did not say which version of the {what} it changes.")
    if current != given:
        raise StaleEdit(f"Someone else changed this {what} while you were editing it.")


# --- needs ---------------------------------------------------------------------------


@transaction.atomic
def pathway_assess(
    *,
    person: Person,
    pathway: Pathway,
    level: str,
    by: User,
    version: int | None,
    responsibility: str = Responsibility.COMMUNITY,
    responsible_agency: Agency | None = None,
    assessed_on: date | None = None,
) -> PathwayAssessment:
    """Set a person's level of need on one pathway. The first assessment of a
    pathway has no version (pass None); every later one states the version read."""
    if level not in NeedLevel.values:
        raise ValueError(f"{level!r} is not a level of need.")
    if responsibility not in Responsibility.values:
        raise ValueError(f"{responsibility!r} is not a responsibility.")
    agency = _acting_agency(by)
    existing = (
        PathwayAssessment.objects.select_for_update().filter(person=person, pathway=pathway).first()
    )
    before = existing.level if existing else ""
    if existing is None:
        if version not in (None, 0):
            raise StaleEdit("Someone else changed this assessment while you were editing it.")
        assessment = PathwayAssessment(person=person, pathway=pathway, version=1)
    else:
        _check_version(existing.version, version, "assessment")
        assessment = existing
        assessment.version += 1
    assessment.level = level
    assessment.responsibility = responsibility
    assessment.responsible_agency = responsible_agency
    assessment.assessed_on = assessed_on or timezone.localdate()
    assessment.assessed_by = by
    assessment.recorded_by_agency = agency
    assessment.save()
    audit_record(
        action=Action.ALTER if existing else Action.COLLECT,
        actor=by,
        obj=assessment,
        person_id=person.pk,
        details={"pathway": pathway.code, "level": {"from": before, "to": level}},
    )
    return assessment


@transaction.atomic
def need_record(
    *,
    person: Person,
    need_type: NeedType,
    by: User,
    detail: str = "",
    status: str = NeedStatus.NOT_STARTED,
    responsible_agency: Agency | None = None,
    responsibility: str = Responsibility.COMMUNITY,
    identified_on: date | None = None,
    note: str = "",
) -> Need:
    """Record a specific need. A person has at most one open need of each
    catalogue type (other needs are told apart by their detail)."""
    agency = _acting_agency(by)
    if not need_type.is_active or not need_type.pathway.is_active:
        raise ValueError("That need is no longer in the catalogue.")
    if status not in NeedStatus.values:
        raise ValueError(f"{status!r} is not a need status.")
    if responsibility not in Responsibility.values:
        raise ValueError(f"{responsibility!r} is not a responsibility.")
    detail = detail.strip()
    if need_type.is_other and not detail:
        raise ValueError("Describe the need.")
    # Lock the person so two people recording the same need at once cannot both succeed.
    Person.objects.select_for_update().filter(pk=person.pk).first()
    duplicate = Need.objects.filter(
        person=person, need_type=need_type, status__in=OPEN_NEED_STATUSES
    )
    if need_type.is_other:
        duplicate = duplicate.filter(detail__iexact=detail)
    if duplicate.exists():
        raise ValueError(f"{person.full_name} already has an open need: {need_type.name}.")
    need = Need.objects.create(
        person=person,
        pathway=need_type.pathway,
        need_type=need_type,
        detail=detail,
        status=status,
        responsible_agency=responsible_agency,
        responsibility=responsibility,
        identified_on=identified_on or timezone.localdate(),
        recorded_by=by,
        recorded_by_agency=agency,
    )
    NeedNote.objects.create(
        need=need,
        written_by=by,
        agency=agency,
        text=note.strip() or "Need recorded.",
        status=status,
    )
    audit_record(
        action=Action.COLLECT,
        actor=by,
        obj=need,
        person_id=person.pk,
        details={"pathway": need_type.pathway.code, "need": need_type.code, "status": status},
    )
    return need


@transaction.atomic
def need_update(
    *,
    need: Need,
    version: int | None,
    by: User,
    status: str,
    responsible_agency: Agency | None,
    responsibility: str,
    note: str = "",
) -> Need:
    """Change a need's status or who is responsible; the change and its note go
    into the need's dated history."""
    agency = _acting_agency(by)
    if status not in NeedStatus.values:
        raise ValueError(f"{status!r} is not a need status.")
    if responsibility not in Responsibility.values:
        raise ValueError(f"{responsibility!r} is not a responsibility.")
    locked = Need.objects.select_for_update().get(pk=need.pk)
    _check_version(locked.version, version, "need")
    before = {
        "status": locked.status,
        "responsible_agency": locked.responsible_agency_id,
        "responsibility": locked.responsibility,
    }
    locked.status = status
    locked.responsible_agency = responsible_agency
    locked.responsibility = responsibility
    locked.version += 1
    locked.save()
    changed = [name for name, value in before.items() if value != getattr(
        locked, "responsible_agency_id" if name == "responsible_agency" else name)]  # fmt: skip
    text = note.strip()
    if not text:
        text = (
            f"Status changed to {locked.get_status_display().lower()}."
            if "status" in changed
            else "Responsibility updated."
        )
    NeedNote.objects.create(
        need=locked,
        written_by=by,
        agency=agency,
        text=text,
        status=status if "status" in changed else "",
    )
    audit_record(
        action=Action.ALTER,
        actor=by,
        obj=locked,
        person_id=locked.person_id,
        details={"before": {k: str(v) for k, v in before.items()}, "changed": changed},
    )
    return locked


@transaction.atomic
def need_note_add(*, need: Need, text: str, by: User) -> NeedNote:
    agency = _acting_agency(by)
    if not text.strip():
        raise ValueError("Enter the note.")
    note = NeedNote.objects.create(need=need, written_by=by, agency=agency, text=text.strip())
    audit_record(action=Action.COLLECT, actor=by, obj=note, person_id=need.person_id)
    return note


# --- referrals -----------------------------------------------------------------------

SENDER = "sender"
RECEIVER = "receiver"


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: tuple[str, ...]
    target: str
    # Which side records it: the referring agency, or the service's agency (for
    # outside organisations not on rrcase, the referring agency records both sides).
    side: str
    # A reason (rejection), outcome (completion) or note the step requires.
    needs_text: str = ""


# The referral state machine: every allowed step, in one place.
REFERRAL_TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        Transition("send", "Send referral", (ReferralState.DRAFT,), ReferralState.SENT, SENDER),
        Transition("accept", "Accept referral", (ReferralState.SENT,), ReferralState.ACCEPTED,
                   RECEIVER),
        Transition("reject", "Reject referral", (ReferralState.SENT,), ReferralState.REJECTED,
                   RECEIVER, needs_text="Give the reason for rejecting the referral."),
        Transition("start", "Record that the service has started", (ReferralState.ACCEPTED,),
                   ReferralState.STARTED, RECEIVER),
        Transition("complete", "Record completion", (ReferralState.STARTED,),
                   ReferralState.COMPLETED, RECEIVER,
                   needs_text="Describe the outcome of the service."),
        Transition("disengage", "Record disengagement",
                   (ReferralState.ACCEPTED, ReferralState.STARTED), ReferralState.DISENGAGED,
                   RECEIVER, needs_text="Say what happened."),
        Transition("withdraw", "Withdraw referral",
                   (ReferralState.DRAFT, ReferralState.SENT, ReferralState.ACCEPTED,
                    ReferralState.STARTED), ReferralState.WITHDRAWN, SENDER,
                   needs_text="Give the reason for withdrawing the referral."),
    ]
}  # fmt: skip


def referral_side_of(referral: Referral, user: User) -> set[str]:
    """Which sides of the referral the user's agency acts for."""
    agency = agency_of(user)
    if agency is None:
        return set()
    sides = set()
    if referral.from_agency_id == agency.pk:
        sides.add(SENDER)
        if referral.to_agency_id is None:
            sides.add(RECEIVER)
    if referral.to_agency_id is not None and referral.to_agency_id == agency.pk:
        sides.add(RECEIVER)
    return sides


def referral_allowed_actions(referral: Referral, user: User) -> list[Transition]:
    """The transitions this user may take now (for showing the buttons)."""
    if role_of(user) not in PERSON_WRITE_ROLES:
        return []
    sides = referral_side_of(referral, user)
    return [
        t for t in REFERRAL_TRANSITIONS.values() if referral.state in t.sources and t.side in sides
    ]


@transaction.atomic
def referral_create(*, need: Need, service: Service, reason: str, by: User) -> Referral:
    """A draft referral from a need to a service in the directory."""
    agency = _acting_agency(by)
    if not reason.strip():
        raise ValueError("Say why this person needs the service.")
    if not service.is_active or not service.provider.is_active:
        raise ValueError("That service is not taking referrals.")
    if service.pathway_id != need.pathway_id:
        raise ValueError("Choose a service on the need's pathway.")
    if not need.is_open:
        raise ValueError("This need is closed; reopen it before referring.")
    referral = Referral.objects.create(
        person_id=need.person_id,
        need=need,
        service=service,
        from_agency=agency,
        to_agency=service.provider.agency,
        reason=reason.strip(),
        created_by=by,
    )
    ReferralEvent.objects.create(
        referral=referral, to_state=ReferralState.DRAFT, by=by, agency=agency
    )
    audit_record(
        action=Action.COLLECT,
        actor=by,
        obj=referral,
        person_id=need.person_id,
        details={"service": service.pk, "state": ReferralState.DRAFT},
    )
    return referral


def _grant_source(referral: Referral) -> str:
    return f"referral:{referral.pk}"


def _transition(
    *, referral: Referral, action: str, by: User, version: int | None, text: str = ""
) -> Referral:
    transition = REFERRAL_TRANSITIONS[action]
    agency = _acting_agency(by)
    locked = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("person", "service", "from_agency", "to_agency")
        .get(pk=referral.pk)
    )
    _check_version(locked.version, version, "referral")
    if locked.state not in transition.sources:
        allowed = ", ".join(
            t.label.lower() for t in REFERRAL_TRANSITIONS.values() if locked.state in t.sources
        )
        raise IllegalTransition(
            f"A {locked.get_state_display().lower()} referral cannot be "
            f"{ReferralState(transition.target).label.lower()}. "
            + (f"You can: {allowed}." if allowed else "It is closed.")
        )
    if transition.side not in referral_side_of(locked, by):
        who = "the referring agency" if transition.side == SENDER else "the receiving service"
        raise PermissionDenied(f"Only {who} can do this.")
    text = text.strip()
    if transition.needs_text and not text:
        raise ValueError(transition.needs_text)

    previous = locked.state
    now = timezone.now()
    locked.state = transition.target
    locked.version += 1
    if action == "send":
        locked.sent_at = now
        locked.respond_by = now + timedelta(hours=locked.service.response_target_hours)
        # The service may have moved to another provider since the draft.
        locked.to_agency = locked.service.provider.agency
    if action in ("accept", "reject"):
        locked.responded_at = now
    if action == "reject":
        locked.rejection_reason = text
    if action == "complete":
        locked.outcome = text
    if transition.target in (
        ReferralState.REJECTED,
        ReferralState.COMPLETED,
        ReferralState.DISENGAGED,
        ReferralState.WITHDRAWN,
    ):
        locked.closed_at = now
    locked.save()
    ReferralEvent.objects.create(
        referral=locked, from_state=previous, to_state=locked.state, by=by, agency=agency, note=text
    )
    audit_record(
        action=Action.ALTER,
        actor=by,
        obj=locked,
        person_id=locked.person_id,
        details={"referral": {"from": previous, "to": locked.state}},
    )

    receiver = locked.to_agency
    if action == "send" and receiver is not None and receiver.pk != locked.from_agency_id:
        # The receiving agency sees the person while the referral is open: a
        # read grant only, and the sharing agreement still decides which
        # classes of information it sees (selectors filter by sensitivity).
        offender_services.involvement_start(
            person=locked.person,
            agency=receiver,
            reason=InvolvementReason.REFERRAL,
            source=_grant_source(locked),
            can_change=False,
            by=by,
            justification=f"Referral to {locked.service.name}",
        )
        Need.objects.filter(pk=locked.need_id, status=NeedStatus.NOT_STARTED).update(
            status=NeedStatus.IN_PROGRESS
        )
    if previous != ReferralState.DRAFT and locked.closed_at is not None and receiver is not None:
        offender_services.involvement_end(
            person=locked.person,
            agency=receiver,
            reason=InvolvementReason.REFERRAL,
            source=_grant_source(locked),
            by=by,
            justification=f"Referral {locked.get_state_display().lower()}",
        )
    _notify_transition(locked, action, acting=agency)
    return locked


def _notify_transition(referral: Referral, action: str, *, acting: Agency) -> None:
    """Tell the other side: the receiving agency of a new or withdrawn
    referral, the referring agency of every response."""
    person = referral.person.reference
    service = referral.service.name
    if referral.to_agency is None:
        return
    if action in ("send", "withdraw"):
        if referral.to_agency_id == acting.pk:
            return
        verb = "New referral" if action == "send" else "Referral withdrawn"
        notifications_send(
            agency=referral.to_agency,
            message=f"{verb}: {person} to {service}",
            referral=referral,
        )
    else:
        if referral.from_agency_id == acting.pk:
            return
        notifications_send(
            agency=referral.from_agency,
            message=f"Referral {referral.get_state_display().lower()}: {person} to {service}",
            referral=referral,
        )


@transaction.atomic
def referral_send(*, referral: Referral, by: User, version: int | None) -> Referral:
    return _transition(referral=referral, action="send", by=by, version=version)


@transaction.atomic
def referral_accept(*, referral: Referral, by: User, version: int | None) -> Referral:
    return _transition(referral=referral, action="accept", by=by, version=version)


@transaction.atomic
def referral_reject(*, referral: Referral, reason: str, by: User, version: int | None) -> Referral:
    return _transition(referral=referral, action="reject", by=by, version=version, text=reason)


@transaction.atomic
def referral_start(*, referral: Referral, by: User, version: int | None) -> Referral:
    return _transition(referral=referral, action="start", by=by, version=version)


@transaction.atomic
def referral_complete(
    *, referral: Referral, outcome: str, by: User, version: int | None, situation: str = ""
) -> Referral:
    """Close a referral as completed. `situation` optionally records where the
    person now stands in the outcome history the service's pathway feeds
    (e.g. settled accommodation after CAS3), dated today and linked to the referral."""
    completed = _transition(
        referral=referral, action="complete", by=by, version=version, text=outcome
    )
    if situation:
        kind = outcome_kind_for(completed.service)
        if kind is None:
            raise ValueError("This service's pathway has no outcome history.")
        outcome_record(
            person=completed.person,
            kind=kind,
            value=situation,
            recorded_on=timezone.localdate(),
            by=by,
            referral=completed,
            note=f"On completing {completed.service.name}",
        )
    return completed


@transaction.atomic
def referral_disengage(*, referral: Referral, note: str, by: User, version: int | None) -> Referral:
    return _transition(referral=referral, action="disengage", by=by, version=version, text=note)


@transaction.atomic
def referral_withdraw(
    *, referral: Referral, reason: str, by: User, version: int | None
) -> Referral:
    return _transition(referral=referral, action="withdraw", by=by, version=version, text=reason)


@transaction.atomic
def referral_transition(
    *,
    referral: Referral,
    action: str,
    by: User,
    version: int | None,
    text: str = "",
    situation: str = "",
) -> Referral:
    """Take the named step (one of REFERRAL_TRANSITIONS): what the referral pages post."""
    if action not in REFERRAL_TRANSITIONS:
        raise IllegalTransition(f"{action!r} is not something a referral can do.")
    if action == "complete":
        return referral_complete(
            referral=referral, outcome=text, by=by, version=version, situation=situation
        )
    return _transition(referral=referral, action=action, by=by, version=version, text=text)


# --- outcomes ------------------------------------------------------------------------


def outcome_kind_for(service: Service) -> str | None:
    return PATHWAY_OUTCOME_KIND.get(service.pathway.code)


OUTCOME_SENSITIVITY: dict[str, str] = {OutcomeKind.TREATMENT: "health"}


@transaction.atomic
def outcome_record(
    *,
    person: Person,
    kind: str,
    value: str,
    recorded_on: date,
    by: User,
    note: str = "",
    referral: Referral | None = None,
) -> Outcome:
    """Add a dated fact to one of the person's outcome histories. If it falls
    on or before the end of a terminated supervised disposal, that disposal's
    accommodation / employment at end is recomputed (NI 143 / 144)."""
    agency = _acting_agency(by)
    values = OUTCOME_VALUES.get(kind)
    if values is None:
        raise ValueError(f"{kind!r} is not an outcome history.")
    if value not in values.values:
        raise ValueError(f"{value!r} is not a {OutcomeKind(kind).label.lower()} outcome.")
    if recorded_on > timezone.localdate():
        raise ValueError("The date cannot be in the future.")
    if referral is not None and referral.person_id != person.pk:
        raise ValueError("That referral is for someone else.")
    outcome = Outcome.objects.create(
        person=person,
        kind=kind,
        value=value,
        recorded_on=recorded_on,
        note=note.strip(),
        referral=referral,
        sensitivity=OUTCOME_SENSITIVITY.get(kind, "standard"),
        recorded_by=by,
        agency=agency,
    )
    audit_record(
        action=Action.COLLECT,
        actor=by,
        obj=outcome,
        person_id=person.pk,
        details={"kind": kind, "value": value, "recorded_on": str(recorded_on)},
    )
    if kind in (OutcomeKind.ACCOMMODATION, OutcomeKind.ETE):
        for disposal in Disposal.objects.filter(
            person=person, type__in=SUPERVISED_TYPES, terminated_date__gte=recorded_on
        ):
            offender_services.disposal_end_outcomes_record(disposal=disposal, by=by)
    return outcome


# --- notifications -------------------------------------------------------------------


def notifications_send(*, agency: Agency, message: str, referral: Referral | None = None) -> int:
    """One notification for each user of the agency who acts on referrals
    (practitioners and panel chairs). Called inside the transition's transaction."""
    users = Membership.objects.filter(
        agency=agency, role__in=PERSON_WRITE_ROLES, user__is_active=True
    ).values_list("user_id", flat=True)
    created = Notification.objects.bulk_create(
        [
            Notification(recipient_id=user_id, agency=agency, message=message, referral=referral)
            for user_id in users
        ]
    )
    return len(created)


@transaction.atomic
def notifications_mark_read(*, user: User, ids: list[int] | None = None) -> int:
    """Mark the user's own notifications read (all of them when ids is None)."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())
