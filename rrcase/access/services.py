"""Writes for agencies, users and memberships. Each is atomic and audited."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission, User
from django.db import transaction

from rrcase.audit.models import Action
from rrcase.audit.services import audit_record
from rrcase.signin.services import user_sessions_end

from .models import Agency, AgencyKind, Membership, Role
from .roles import ROLE_GROUP_PREFIX, ROLE_PERMISSIONS, role_group_name


@transaction.atomic
def roles_sync() -> list[str]:
    """Make each role group hold exactly the permissions ROLE_PERMISSIONS names.
    Idempotent; returns a line per change made."""
    changes: list[str] = []
    for role in Role:
        group, created = Group.objects.get_or_create(name=role_group_name(role))
        if created:
            changes.append(f"created group {group.name}")
        wanted = set()
        for dotted in ROLE_PERMISSIONS[role]:
            app_label, codename = dotted.split(".", 1)
            wanted.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        current = set(group.permissions.all())
        for permission in wanted - current:
            changes.append(
                f"{group.name}: +{permission.content_type.app_label}.{permission.codename}"
            )
        for permission in current - wanted:
            changes.append(
                f"{group.name}: -{permission.content_type.app_label}.{permission.codename}"
            )
        group.permissions.set(wanted)
    return changes


@transaction.atomic
def agency_create(*, code: str, name: str, kind: AgencyKind | str, by: User | None) -> Agency:
    if code.startswith(ROLE_GROUP_PREFIX):
        raise ValueError("Agency codes cannot start with the role group prefix.")
    group = Group.objects.create(name=f"agency:{code}")
    agency = Agency.objects.create(code=code, name=name, kind=kind, group=group)
    audit_record(action=Action.COLLECT, actor=by, obj=agency, details={"code": code})
    return agency


@transaction.atomic
def user_create(
    *,
    username: str,
    first_name: str,
    last_name: str,
    email: str,
    agency: Agency,
    role: Role | str,
    password: str | None,
    by: User | None,
    job_title: str = "",
) -> User:
    user_model = get_user_model()
    user = user_model.objects.create_user(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        password=password,
    )
    Membership.objects.create(user=user, agency=agency, role=role, job_title=job_title)
    user.groups.add(agency.group, Group.objects.get(name=role_group_name(role)))
    if role == Role.SYSTEM_ADMIN:
        # System admins manage reference data in the Django admin; they get no
        # model-wide access to records (no superuser flag).
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    audit_record(
        action=Action.COLLECT,
        actor=by,
        obj=user,
        details={"agency": agency.code, "role": str(role)},
    )
    return user


@transaction.atomic
def user_deactivate(*, user: User, by: User | None) -> User:
    """Stop a user signing in and end every session they hold now, not when it
    next times out."""
    user.is_active = False
    user.save(update_fields=["is_active"])
    ended = user_sessions_end(user=user)
    audit_record(
        action=Action.REVOKE,
        actor=by,
        obj=user,
        details={"deactivated": True, "sessions_ended": ended},
    )
    return user


@transaction.atomic
def membership_role_change(
    *, membership: Membership, role: Role | str, by: User | None
) -> Membership:
    """Move a user to another role: their role group changes with it."""
    locked = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
    previous = locked.role
    if previous == role:
        return locked
    locked.user.groups.remove(Group.objects.get(name=role_group_name(previous)))
    locked.user.groups.add(Group.objects.get(name=role_group_name(role)))
    locked.role = role
    locked.save(update_fields=["role"])
    locked.user.is_staff = role == Role.SYSTEM_ADMIN
    locked.user.save(update_fields=["is_staff"])
    audit_record(
        action=Action.ALTER,
        actor=by,
        obj=locked.user,
        details={"role": {"from": previous, "to": str(role)}},
    )
    membership.role = locked.role
    return locked
