"""Every read of people goes through here, scoped to the acting user.

The rule (DESIGN.md "Access model"): an agency sees a person only through an
explicit grant (PersonGroupObjectPermission on the agency's group); a
restricted person is seen only by users named on it; analysts and system
admins see no person records. Out of scope -> 404, in scope but not permitted
-> 403, and both are logged.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from rrcase.access.roles import PERSON_READ_ROLES, PERSON_WRITE_ROLES
from rrcase.access.selectors import agency_of, role_of
from rrcase.audit.models import Action
from rrcase.audit.services import audit_record

from .models import (
    Contact,
    Enforcement,
    Person,
    PersonGroupObjectPermission,
    PersonUserObjectPermission,
)

VIEW = "view_person"
CHANGE = "change_person"


def _agency_grant(user: User | AnonymousUser, codename: str) -> Exists | None:
    agency = agency_of(user)
    if agency is None:
        return None
    return Exists(
        PersonGroupObjectPermission.objects.filter(
            group_id=agency.group_id,
            permission__codename=codename,
            permission__content_type__app_label="offenders",
            content_object=OuterRef("pk"),
        )
    )


def _named_on(user: User | AnonymousUser) -> Exists:
    return Exists(
        PersonUserObjectPermission.objects.filter(
            user_id=user.pk or 0,
            permission__codename=VIEW,
            permission__content_type__app_label="offenders",
            content_object=OuterRef("pk"),
        )
    )


def person_list_for(user: User | AnonymousUser) -> QuerySet[Person]:
    """The people this user may see. The only starting point for any page, API
    route or export that shows people."""
    grant = _agency_grant(user, VIEW)
    if grant is None or role_of(user) not in PERSON_READ_ROLES:
        return Person.objects.none()
    return Person.objects.filter(grant).filter(Q(restricted=False) | _named_on(user))


def person_restricted_hidden_count_for(user: User | AnonymousUser) -> int:
    """How many restricted records the user's agency is involved with but the
    user is not named on: shown as a count so people know to ask."""
    grant = _agency_grant(user, VIEW)
    if grant is None or role_of(user) not in PERSON_READ_ROLES:
        return 0
    return Person.objects.filter(grant, restricted=True).exclude(_named_on(user)).count()


def person_get_for(
    user: User | AnonymousUser, person_id: int, *, for_change: bool = False, audit: bool = True
) -> Person:
    """One person for a page, API call or export, or Http404 / PermissionDenied.

    Records a consultation (or, when refused, an access_denied event) in the
    audit trail, so callers cannot forget to."""
    person = (
        person_list_for(user)
        .select_related("lead_agency", "offender_manager", "police_spoc")
        .filter(pk=person_id)
        .first()
    )
    # Refusals with 403 are logged by rrcase.audit.denials for every view and
    # API route; 404s (not in scope) are logged here, where the person id is known.
    if person is None:
        if _in_scope_but_not_permitted(user, person_id):
            raise PermissionDenied(_why_hidden(user))
        _deny(user, person_id, reason="not visible to this user's agency")
        raise Http404("No such person.")
    if for_change and not person_may_change(user, person):
        raise PermissionDenied("You can read this record but not change it.")
    if audit and not for_change:
        audit_record(action=Action.CONSULT, actor=user, obj=person, person_id=person.pk)
    return person


def person_may_change(user: User | AnonymousUser, person: Person) -> bool:
    if role_of(user) not in PERSON_WRITE_ROLES:
        return False
    grant = _agency_grant(user, CHANGE)
    return grant is not None and Person.objects.filter(pk=person.pk).filter(grant).exists()


def _in_scope_but_not_permitted(user: User | AnonymousUser, person_id: int) -> bool:
    """The agency is involved (so the record's existence is no secret to it) but
    this user may not open it: a restricted record, or a role without person access."""
    grant = _agency_grant(user, VIEW)
    if grant is None:
        return False
    return Person.objects.filter(pk=person_id).filter(grant).exists()


def _why_hidden(user: User | AnonymousUser) -> str:
    if role_of(user) not in PERSON_READ_ROLES:
        return "Your role sees figures, not people's records."
    return "This record is restricted to named staff. Ask the lead agency if you need it."


def _deny(user: User | AnonymousUser, person_id: int, *, reason: str) -> None:
    audit_record(
        action=Action.ACCESS_DENIED,
        actor=user,
        person_id=person_id,
        details={"object": "offenders.person", "reason": reason},
    )


def _visible_classes(user: User | AnonymousUser) -> frozenset[str]:
    from rrcase.access.selectors import visible_sensitivities

    return visible_sensitivities(agency_of(user))


def contact_list_for(user: User | AnonymousUser, person: Person) -> QuerySet[Contact]:
    """A person's contacts the user may see: only classes of information the
    sharing agreement gives the user's agency (police intelligence, health,
    MAPPA notes are absent, not blanked). `person` must come from person_get_for."""
    return (
        Contact.objects.filter(person=person, sensitivity__in=_visible_classes(user))
        .select_related("agency", "recorded_by")
        .order_by("-occurred_on", "-id")
    )


def enforcement_list_for(user: User | AnonymousUser, person: Person) -> QuerySet[Enforcement]:
    return (
        Enforcement.objects.filter(person=person, sensitivity__in=_visible_classes(user))
        .select_related("agency", "recorded_by")
        .order_by("-occurred_at", "-id")
    )
