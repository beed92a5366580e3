from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

# The service navigation: (label, url name, URL prefix that marks it active).
# Apps add their sections here as they land.
NAVIGATION: list[tuple[str, str, str]] = [
    ("Home", "core:home", "/"),
    ("Cases", "offenders:case-list", "/cases/"),
    ("Reports", "reporting:list", "/reports/"),
    ("Referrals", "pathways:inbox", "/referrals/"),
    ("Services", "pathways:services", "/services/"),
    ("Panels", "panels:list", "/panels/"),
]


def service(request: HttpRequest) -> dict[str, Any]:
    path = request.path
    items = []
    for text, url_name, prefix in NAVIGATION:
        href = reverse(url_name)
        active = path == "/" if prefix == "/" else path.startswith(prefix)
        items.append({"text": text, "href": href, "active": active})
    return {
        "service_name": settings.SERVICE_NAME,
        "service_phase": settings.SERVICE_PHASE,
        "navigation": items,
    }
