from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from rrcase.access.roles import IMPORT_ROLES, PERSON_READ_ROLES
from rrcase.access.selectors import role_of

# The service navigation: (label, url name, URL prefix that marks it active,
# the roles it is shown to: None for everyone). A link a role may not use is
# left out rather than answering 403. Apps add their sections here as they land.
NAVIGATION: list[tuple[str, str, str, frozenset[str] | None]] = [
    ("Home", "core:home", "/", None),
    ("Cases", "offenders:case-list", "/cases/", None),
    ("Diary", "diary:day", "/diary/", PERSON_READ_ROLES),
    ("Reports", "reporting:list", "/reports/", None),
    ("Referrals", "pathways:inbox", "/referrals/", None),
    ("Services", "pathways:services", "/services/", None),
    ("Panels", "panels:list", "/panels/", None),
    ("Imports", "imports:list", "/imports/", IMPORT_ROLES),
]


def service(request: HttpRequest) -> dict[str, Any]:
    path = request.path
    role = role_of(request.user) if hasattr(request, "user") else None
    items = []
    for text, url_name, prefix, roles in NAVIGATION:
        if roles is not None and role not in roles:
            continue
        href = reverse(url_name)
        active = path == "/" if prefix == "/" else path.startswith(prefix)
        items.append({"text": text, "href": href, "active": active})
    return {
        "service_name": settings.SERVICE_NAME,
        "service_phase": settings.SERVICE_PHASE,
        "navigation": items,
    }
