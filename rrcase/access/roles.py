"""What each role may do, as Django model permissions held by one group per role.

Roles grant *capabilities* (may chair a panel, may read the audit trail); which
*records* a user sees comes only from per-agency object grants. Agency groups
therefore never hold model-wide permissions (SECURITY.md).
"""

from __future__ import annotations

from .models import Role

ROLE_GROUP_PREFIX = "role:"

# "app_label.codename" for each role. Apps extend this as they add models.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.PRACTITIONER: [],
    Role.PANEL_CHAIR: [],
    Role.ANALYST: [],
    Role.AGENCY_ADMIN: [],
    Role.INFORMATION_GOVERNANCE: ["audit.view_audit_trail"],
    Role.SYSTEM_ADMIN: ["audit.view_audit_trail"],
}


def role_group_name(role: str) -> str:
    return f"{ROLE_GROUP_PREFIX}{role}"


# Roles that may open people's records at all. Analysts see aggregates and
# pseudonymised rows only (DESIGN.md); system admins manage reference data.
PERSON_READ_ROLES = frozenset(
    {Role.PRACTITIONER, Role.PANEL_CHAIR, Role.AGENCY_ADMIN, Role.INFORMATION_GOVERNANCE}
)
# Roles that may record things about a person (also needs the agency's change grant).
PERSON_WRITE_ROLES = frozenset({Role.PRACTITIONER, Role.PANEL_CHAIR})
# Roles that may load CSV extracts on the Imports page (docs/import.md).
IMPORT_ROLES = frozenset({Role.AGENCY_ADMIN, Role.ANALYST})
