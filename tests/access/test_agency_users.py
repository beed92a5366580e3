"""Agency admins manage their own agency's users, and only theirs."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from rrcase.access.models import Membership
from rrcase.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_agency_admin_sees_only_their_agencys_users(borough, sign_in):
    client = sign_in("probation-admin")
    html = client.get(reverse("access:users")).content.decode()
    assert "Rowan Ashdown" in html  # probation
    assert "Morgan Ellery" in html  # probation
    assert "Jesse Tarrant" not in html  # police


@pytest.mark.parametrize("username", ["probation", "police", "analyst", "dpo"])
def test_other_roles_cannot_manage_users(borough, sign_in, username):
    client = sign_in(username)
    assert client.get(reverse("access:users")).status_code == 403
    assert client.get(reverse("access:user-create")).status_code == 403
    denied = AuditEvent.objects.filter(action="access_denied", actor_username=username)
    assert denied.count() == 2


def test_another_agencys_user_is_not_found(borough, sign_in):
    client = sign_in("probation-admin")
    police = User.objects.get(username="police")
    assert client.get(reverse("access:user-role", args=[police.pk])).status_code == 404
    assert client.post(reverse("access:user-deactivate", args=[police.pk])).status_code == 404
    police.refresh_from_db()
    assert police.is_active


def test_add_a_user_with_errors_then_correctly(borough, sign_in):
    client = sign_in("probation-admin")
    response = client.post(
        reverse("access:user-create"),
        {"first_name": "", "username": "probation", "email": "x", "password": "short"},
    )
    html = response.content.decode()
    assert "There is a problem" in html
    assert "Enter their first name" in html
    assert "That username is already taken" in html
    assert "This password is too short" in html
    response = client.post(
        reverse("access:user-create"),
        {
            "first_name": "Kit",
            "last_name": "Fairweather",
            "username": "kit-f",
            "email": "kit@northbridge.example",
            "role": "practitioner",
            "password": "a-long-enough-passphrase-2026",
        },
        follow=True,
    )
    assert "Kit Fairweather can now sign in as kit-f." in response.content.decode()
    membership = Membership.objects.get(user__username="kit-f")
    assert membership.agency.code == "probation"
    assert membership.role == "practitioner"


def test_role_change_and_deactivation(borough, sign_in, client):
    officer = User.objects.get(username="probation2")
    admin = sign_in("probation-admin")
    admin.post(reverse("access:user-role", args=[officer.pk]), {"role": "panel_chair"})
    assert Membership.objects.get(user=officer).role == "panel_chair"
    assert officer.groups.filter(name="role:panel_chair").exists()
    assert not officer.groups.filter(name="role:practitioner").exists()
    admin.post(reverse("access:user-deactivate", args=[officer.pk]))
    officer.refresh_from_db()
    assert not officer.is_active
    actions = set(
        AuditEvent.objects.filter(object_id=str(officer.pk)).values_list("action", flat=True)
    )
    assert {"alter", "revoke"} <= actions


def test_system_admin_role_cannot_be_given_by_an_agency_admin(borough, sign_in):
    officer = User.objects.get(username="probation2")
    response = sign_in("probation-admin").post(
        reverse("access:user-role", args=[officer.pk]), {"role": "system_admin"}
    )
    assert "Select a valid choice" in response.content.decode()
    assert Membership.objects.get(user=officer).role == "practitioner"
