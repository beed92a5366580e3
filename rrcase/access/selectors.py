"""Reads about who the acting user is and what their agency may see."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from .models import Agency, Membership, Role, SharingRule

STANDARD = "standard"


def membership_of(user: User | AnonymousUser) -> Membership | None:
    if not user.is_authenticated or not user.is_active:
        return None
    membership: Membership | None = getattr(user, "_rrcase_membership", None)
    if membership is None:
        membership = (
            Membership.objects.select_related("agency")
            .filter(user=user, agency__is_active=True)
            .first()
        )
        # Cached on the user object for the rest of the request.
        user._rrcase_membership = membership  # type: ignore[attr-defined]
    return membership


def agency_of(user: User | AnonymousUser) -> Agency | None:
    membership = membership_of(user)
    return membership.agency if membership is not None else None


def role_of(user: User | AnonymousUser) -> str | None:
    membership = membership_of(user)
    return membership.role if membership is not None else None


def visible_sensitivities(agency: Agency | None) -> frozenset[str]:
    """The information classes the sharing agreement lets this agency see."""
    if agency is None:
        return frozenset()
    classes = set(
        SharingRule.objects.filter(agency_kind=agency.kind).values_list("sensitivity", flat=True)
    )
    return frozenset({STANDARD, *classes})


def agencies_seeing(agencies: QuerySet[Agency], sensitivity: str) -> QuerySet[Agency]:
    """Those of `agencies` the sharing agreement lets see `sensitivity`: the
    filter form of visible_sensitivities (one query for any number of agencies)."""
    if sensitivity == STANDARD:
        return agencies
    kinds = SharingRule.objects.filter(sensitivity=sensitivity).values("agency_kind")
    return agencies.filter(kind__in=kinds)


def agency_user_list_for(user: User | AnonymousUser) -> QuerySet[Membership]:
    """The members of the acting agency admin's own agency (and only theirs)."""
    membership = membership_of(user)
    if membership is None or membership.role != Role.AGENCY_ADMIN:
        raise PermissionDenied("Only agency admins manage their agency's users.")
    return (
        Membership.objects.filter(agency=membership.agency)
        .select_related("user", "agency")
        .order_by("user__last_name", "user__first_name")
    )


def agency_member_get_for(user: User | AnonymousUser, user_id: int) -> Membership:
    """One member of the admin's agency; another agency's user is a 404."""
    member = agency_user_list_for(user).filter(user_id=user_id).first()
    if member is None:
        raise Http404("No such user in your agency.")
    return member
