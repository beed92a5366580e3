"""Reads about who the acting user is and what their agency may see."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User

from .models import Agency, Membership, SharingRule

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
