"""The demo borough's agencies and one user per persona in DESIGN.md.

Synthetic throughout: the borough, agencies and people are invented. The demo
password is printed by `make run` and is never accepted in production (seed_demo
refuses to run there).
"""

from __future__ import annotations

from base64 import b32decode
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django_otp.plugins.otp_totp.models import TOTPDevice

from rrcase.signin.services import totp_device_create

from . import services
from .models import Agency, AgencyKind, Role, SharingRule

BOROUGH = "Northbridge"
DEMO_PASSWORD = "northbridge-demo-2026"

AGENCIES: list[tuple[str, str, AgencyKind]] = [
    ("police", "Northbridge Police", AgencyKind.POLICE),
    ("probation", "Probation Service Northbridge", AgencyKind.PROBATION),
    ("council", "Northbridge Council Community Safety", AgencyKind.COUNCIL),
    ("housing", "Northbridge Homes", AgencyKind.HOUSING),
    ("dwp", "Northbridge Jobcentre (DWP)", AgencyKind.DWP),
    ("drugs", "Northbridge Drug and Alcohol Service", AgencyKind.DRUG_ALCOHOL),
    ("health", "Northbridge Health Trust", AgencyKind.HEALTH),
    ("yos", "Northbridge Youth Justice Service", AgencyKind.YOS),
    ("prison", "HMP Northbridge", AgencyKind.PRISON),
    ("vcs", "Northbridge Resettlement Trust", AgencyKind.VCS),
]


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    agency: str
    role: Role
    persona: str


USERS: list[DemoUser] = [
    DemoUser("probation", "Rowan", "Ashdown", "probation", Role.PRACTITIONER, "Probation officer"),
    DemoUser(
        "probation2", "Morgan", "Ellery", "probation", Role.PRACTITIONER, "Probation colleague"
    ),
    DemoUser("police", "Jesse", "Tarrant", "police", Role.PRACTITIONER, "Police IOM officer"),
    DemoUser(
        "housing", "Casey", "Holbrook", "housing", Role.PRACTITIONER, "Partner worker (housing)"
    ),
    DemoUser("chair", "Avery", "Linfield", "council", Role.PANEL_CHAIR, "Panel chair"),
    DemoUser("analyst", "Quinn", "Marlow", "council", Role.ANALYST, "Analyst"),
    DemoUser(
        "probation-admin", "Harper", "Stanwell", "probation", Role.AGENCY_ADMIN, "Agency admin"
    ),
    DemoUser(
        "dpo", "Reese", "Caldwell", "council", Role.INFORMATION_GOVERNANCE, "Information governance"
    ),
    DemoUser("sysadmin", "Drew", "Penhallow", "council", Role.SYSTEM_ADMIN, "System admin"),
]


# Northbridge's information sharing agreement: which agency kinds see which
# class of information beyond standard (rrcase.access.models.SharingRule).
SHARING_AGREEMENT: list[tuple[AgencyKind, str, str]] = [
    (AgencyKind.POLICE, "police_intelligence", "Police intelligence stays with the police"),
    (AgencyKind.POLICE, "mappa", "MAPPA responsible authority"),
    (AgencyKind.PROBATION, "mappa", "MAPPA responsible authority"),
    (AgencyKind.PRISON, "mappa", "MAPPA responsible authority"),
    (AgencyKind.PROBATION, "health", "Health information shared with offender managers"),
    (AgencyKind.HEALTH, "health", "Health service's own records"),
    (AgencyKind.DRUG_ALCOHOL, "health", "Treatment providers"),
]


def seed() -> None:
    if not settings.DEMO_DATA_ALLOWED:
        # The demo accounts' password and authenticator secret are published.
        raise ValueError("Demo data is not allowed with these settings (DEMO_DATA_ALLOWED is off).")
    services.roles_sync()
    for code, name, kind in AGENCIES:
        if not Agency.objects.filter(code=code).exists():
            services.agency_create(code=code, name=name, kind=kind, by=None)
        elif code == settings.IMPORT_DEFAULT_LEAD_AGENCY:
            # `migrate` made the default lead agency with a generic name
            # (access.0003); the demo borough gives it its own.
            Agency.objects.filter(code=code).update(name=name, kind=kind)
    for kind, sensitivity, note in SHARING_AGREEMENT:
        SharingRule.objects.get_or_create(
            agency_kind=kind, sensitivity=sensitivity, defaults={"note": note}
        )
    user_model = get_user_model()
    for demo in USERS:
        if user_model.objects.filter(username=demo.username).exists():
            continue
        services.user_create(
            username=demo.username,
            first_name=demo.first_name,
            last_name=demo.last_name,
            email=f"{demo.username}@{BOROUGH.lower()}.example",
            agency=Agency.objects.get(code=demo.agency),
            role=demo.role,
            password=DEMO_PASSWORD,
            by=None,
            job_title=demo.persona,
        )
    # Every account needs a second factor: the demo ones share a documented
    # secret (settings.DEMO_TOTP_SECRET) so `make run` needs no phone.
    key = demo_totp_key()
    for user in user_model.objects.filter(username__in=[u.username for u in USERS]):
        if not TOTPDevice.objects.filter(user=user).exists():
            totp_device_create(user=user, key=key, by=None)


def demo_totp_key() -> str:
    """settings.DEMO_TOTP_SECRET (base32, as authenticator apps take it) as the
    hex key django-otp stores."""
    secret = settings.DEMO_TOTP_SECRET
    if not secret:
        raise ValueError("DEMO_TOTP_SECRET is not set: demo data is not allowed here.")
    return b32decode(secret.upper().replace(" ", "")).hex()


def logins() -> list[tuple[str, str, str]]:
    """(username, persona, agency name) for the terminal banner."""
    names = {code: name for code, name, _ in AGENCIES}
    return [(u.username, u.persona, names[u.agency]) for u in USERS]
