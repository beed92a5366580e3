"""Reads for resettlement pathways. (Placeholder until the pathways issue lands.)"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser, User


def person_tab_context(user: User | AnonymousUser, person: Any) -> dict[str, Any]:
    """Context for the Pathways tab of a person's page (templates/pathways/person_tab.html).
    `person` must already have been loaded with offenders.selectors.person_get_for."""
    return {}
