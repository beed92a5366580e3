"""Agencies and who works for them.

Every person record is seen through an agency: a user's Membership names the
agency whose grants they act under and the role that decides what they may do.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models


class AgencyKind(models.TextChoices):
    POLICE = "police", "Police"
    PROBATION = "probation", "Probation"
    COUNCIL = "council", "Council community safety"
    HOUSING = "housing", "Housing"
    DWP = "dwp", "Department for Work and Pensions"
    DRUG_ALCOHOL = "drug_alcohol", "Drug and alcohol service"
    HEALTH = "health", "Health"
    YOS = "yos", "Youth offending service"
    PRISON = "prison", "Prison"
    VCS = "vcs", "Voluntary and community sector"


class Agency(models.Model):
    code = models.SlugField(max_length=32, unique=True, help_text="Short code used in imports")
    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=AgencyKind.choices)
    # Each agency has its own Django group so agency-wide object grants are one
    # join away (guardian's group object permissions).
    group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="agency")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    PRACTITIONER = "practitioner", "Practitioner"
    PANEL_CHAIR = "panel_chair", "Panel chair"
    ANALYST = "analyst", "Analyst"
    AGENCY_ADMIN = "agency_admin", "Agency admin"
    INFORMATION_GOVERNANCE = "information_governance", "Information governance"
    SYSTEM_ADMIN = "system_admin", "System admin"


class Membership(models.Model):
    """A user works for one agency in one role."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=32, choices=Role.choices)
    job_title = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["agency__name", "user__last_name"]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.agency})"


class SharingRule(models.Model):
    """The information sharing agreement as data: agencies of `agency_kind` may
    see information of class `sensitivity` (offenders.Sensitivity). Standard
    information is visible to every involved agency and needs no rule."""

    agency_kind = models.CharField(max_length=20, choices=AgencyKind.choices)
    sensitivity = models.CharField(max_length=20)
    note = models.CharField(max_length=200, blank=True, help_text="Clause of the agreement")

    class Meta:
        ordering = ["sensitivity", "agency_kind"]
        constraints = [
            models.UniqueConstraint(fields=["agency_kind", "sensitivity"], name="sharing_rule_key")
        ]

    def __str__(self) -> str:
        return f"{self.get_agency_kind_display()} may see {self.sensitivity}"
