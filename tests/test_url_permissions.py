"""Default deny, walked over every URL the project serves (SECURITY.md "Access").

An outsider (a practitioner in an agency involved with nobody) and an analyst
try every URL name and API route with GET and POST: no page or response they
get shows a single person's reference, and no POST to a URL naming an object
succeeds (a redirect or 2xx would mean a write went through). This test needs
no update when a URL is added: new routes are walked automatically.
"""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver

from rrcase.access import services as access_services

pytestmark = pytest.mark.django_db

# Routes that are not the application's own pages.
SKIP_PREFIXES = ("admin/", "bench/", "static/")
# Signing out (or in again) would end the persona's session mid-walk.
SKIP_NAMES = {"sign-out", "sign-in"}
# Person references in the demo borough and in these tests.
REFERENCE = re.compile(r"\bN1\d{5}\b")


def walk(patterns: list, prefix: str = "") -> list[tuple[str, URLPattern]]:
    found = []
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            found += walk(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            found.append((route, entry))
    return found


def concrete(route: str, number: int) -> str | None:
    """A path for `route` with every parameter filled in, or None if it cannot be."""
    route = route.lstrip("^").rstrip("$")
    route = re.sub(r"<int:\w+>", str(number), route)
    route = re.sub(r"<(?:slug|str):\w+>", "x", route)
    route = re.sub(r"<uuid:\w+>", "00000000-0000-0000-0000-000000000000", route)
    route = re.sub(r"\(\?P<\w+>[^)]*\)", str(number), route)
    route = route.replace("\\.", ".").replace("\\Z", "")
    if re.search(r"[<(\\^$?*+\[]", route):
        return None
    return "/" + route


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=io.StringIO())


@pytest.fixture
def outsider(demo):
    """A practitioner in an agency that is involved with no one."""
    agency = access_services.agency_create(
        code="elsewhere", name="Elsewhere Community Trust", kind="vcs", by=None
    )
    return access_services.user_create(
        username="outsider",
        first_name="Out",
        last_name="Sider",
        email="outsider@northbridge.example",
        agency=agency,
        role="practitioner",
        password=None,
        by=None,
    )


def all_paths() -> list[tuple[str, str, bool]]:
    """(path, name, names an object) for every route, with ids that exist for
    most tables in the demo borough (people, meetings, referrals…)."""
    from offenders.models import Person

    person_ids = list(Person.objects.order_by("pk").values_list("pk", flat=True)[:1])
    paths = []
    for route, pattern in walk(get_resolver().url_patterns):
        if route.startswith(SKIP_PREFIXES) or pattern.name in SKIP_NAMES:
            continue
        has_object = "<" in route or "(?P" in route
        for number in sorted({1, *person_ids}) if has_object else [1]:
            path = concrete(route, number)
            if path is not None:
                paths.append((path, pattern.name or route, has_object))
    return paths


def test_no_url_shows_outsiders_or_analysts_anyone_or_lets_them_write(outsider, sign_in):
    # One test for every persona: seeding the whole demo borough is the slow part.
    failures = []
    for username in ("outsider", "analyst"):
        failures += walk_as(sign_in(username), username)
    # System admins never see people (DESIGN.md), merge pages included (issue
    # #13 item 4: /people/<id>/merge/ showed them any name). They administer
    # users, so only what their GETs show is walked, not whether POSTs write.
    failures += walk_as(sign_in("sysadmin"), "sysadmin", methods=("get",))
    assert not failures, "\n".join(failures)


def walk_as(client, username: str, methods: tuple[str, ...] = ("get", "post")) -> list[str]:
    failures = []
    for path, name, has_object in all_paths():
        for method in methods if has_object else ("get",):
            response = getattr(client, method)(path)
            status = response.status_code
            assert "/sign-in/" not in response.get("Location", ""), f"signed out by {path}"
            if status == 200 and not response.streaming:
                found = REFERENCE.search(response.content.decode(errors="replace"))
                if found:
                    failures.append(
                        f"{username}: {method.upper()} {path} ({name}) shows {found.group(0)}"
                    )
            if method == "post" and has_object and (status in (201, 204) or 300 <= status < 400):
                failures.append(f"{username}: POST {path} ({name}) -> {status}: write accepted")
    return failures
