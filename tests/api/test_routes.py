"""Every route under /api/: bad ids and formats are 404s, every view takes
the same credentials (an API token or a verified session), and the schema
too. Routes are walked from the URL resolver, so a new API route is tested
without anyone adding it here."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.views import APIView

from offenders.api.auth import ApiTokenAuthentication, api_token_revoke
from offenders.models import ApiToken

pytestmark = pytest.mark.django_db

_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def _api_routes() -> Iterator[tuple[str, Any]]:
    """(route, view) for every URL pattern whose path starts /api/."""

    def walk(patterns: list[Any], prefix: str) -> Iterator[tuple[str, Any]]:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and route.startswith("api/"):
                if route == "api/docs/":
                    continue  # Swagger UI: a page for the browser, not an API view
                yield "/" + route, pattern.callback

    yield from walk(get_resolver().url_patterns, "")


API_ROUTES = sorted(_api_routes(), key=lambda r: r[0])
WITH_IDS = [route for route, _ in API_ROUTES if _PARAM.search(route)]
LISTS = [
    route for route, view in API_ROUTES if not _PARAM.search(route) and route.startswith("/api/v1/")
]


def _fill(route: str, value: str) -> str:
    return _PARAM.sub(value, route)


def test_the_walk_finds_every_api():
    """The walk itself: the people, panels and pathways APIs and the schema."""
    routes = [route for route, _ in API_ROUTES]
    for expected in (
        "/api/v1/people/<dbid:pk>/",
        "/api/v1/panels/meetings/<dbid:pk>/",
        "/api/v1/panels/actions/<dbid:pk>/transition/",
        "/api/v1/pathways/referrals/<dbid:referral_id>/",
        "/api/schema/",
    ):
        assert expected in routes
    assert len(WITH_IDS) >= 14
    assert len(LISTS) >= 12


def test_every_id_in_an_api_path_is_a_dbid():
    """The root of the bad-id 500s: ids read by int() in the view, or sent to
    the database past bigint. Every path parameter is a <dbid:…>."""
    for route in WITH_IDS:
        converters = {conv for conv, _ in _PARAM.findall(route)}
        assert converters == {"dbid"}, route


def _methods(callback: Any) -> set[str]:
    actions = getattr(callback, "actions", None)  # a viewset's routes
    if actions:
        return set(actions)
    return {m for m in ("get", "post") if hasattr(callback.cls, m)}


BAD_IDS = ["abc", "-1", "1.5", "1e3", "%00", "99999999999999999999", "1.json"]


@pytest.mark.parametrize("route", WITH_IDS)
def test_a_bad_or_unknown_id_is_a_404_on_every_method(sign_in, borough, route):
    client = sign_in("probation")
    client.raise_request_exception = False
    for bad in BAD_IDS:
        url = _fill(route, bad)
        assert client.get(url).status_code == 404, url
        assert client.post(url, {}, content_type="application/json").status_code == 404, url
    for value in ("0", "999999999999999999"):  # no record; the largest id a path takes
        url = _fill(route, value)
        for method in _methods(dict(API_ROUTES)[route]):
            response = getattr(client, method)(url, {}, content_type="application/json")
            assert response.status_code == 404, (method, url)


def test_a_format_suffix_is_a_404(sign_in, borough):
    """The API is JSON only and has no format suffixes: `/meetings/1.json`
    is an unknown path on every route (it was a 500 on the panels API)."""
    client = sign_in("probation")
    client.raise_request_exception = False
    for route, _ in API_ROUTES:
        for suffix in (".json", ".api", ".xml"):
            url = _fill(route, "1").rstrip("/") + suffix
            assert client.get(url).status_code == 404, url


def test_the_issue_cases(sign_in, borough):
    """The 500s reported in #13, by name."""
    client = sign_in("probation")
    client.raise_request_exception = False
    for url in (
        "/api/v1/panels/meetings/abc/",
        "/api/v1/panels/actions/abc/",
        "/api/v1/panels/meetings/1.json",
        "/api/v1/panels/actions/1.json",
        "/api/v1/people/99999999999999999999/",
    ):
        assert client.get(url).status_code == 404, url
    response = client.post(
        "/api/v1/panels/actions/abc/transition/", {"status": "done", "version": 1}
    )
    assert response.status_code == 404


# --- Credentials: the same on every API view -------------------------------------


def test_every_api_view_takes_tokens_first():
    """Each DRF view under /api/ authenticates a bearer token before a
    session (so a call with no credentials is a 401 with a challenge)."""
    for route, callback in API_ROUTES:
        view_class = getattr(callback, "cls", None)
        assert isinstance(view_class, type), route
        assert issubclass(view_class, APIView), route
        classes = view_class().get_authenticators()
        assert isinstance(classes[0], ApiTokenAuthentication), route


@pytest.mark.parametrize("route", [*LISTS, "/api/schema/"])
def test_every_list_and_the_schema_answer_a_token(borough, token_for, route):
    key = token_for("probation")
    client = Client()
    response = client.get(route, headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200, route
    assert client.get(route).status_code == 401, route
    wrong = client.get(route, headers={"Authorization": "Bearer not-a-token"})
    assert wrong.status_code == 401, route
    api_token_revoke(token=ApiToken.objects.get(prefix=key[:8]), by=None)
    revoked = client.get(route, headers={"Authorization": f"Bearer {key}"})
    assert revoked.status_code == 401, route


def test_a_token_reaches_panels_and_pathways_with_its_users_access(borough, token_for):
    """A token acts as its user: the chair's token lists panel actions; the
    analyst's may not open people's referrals (403), as in the browser."""
    chair = {"Authorization": f"Bearer {token_for('chair')}"}
    analyst = {"Authorization": f"Bearer {token_for('analyst')}"}
    client = Client()
    assert client.get("/api/v1/panels/actions/", headers=chair).status_code == 200
    assert client.get("/api/v1/pathways/referrals/", headers=analyst).status_code == 403
    assert client.get("/api/v1/pathways/services/", headers=analyst).status_code == 200


def test_an_unverified_session_gets_403_from_panels_pathways_and_the_schema(client, borough):
    from django.contrib.auth.models import User

    client.force_login(User.objects.get(username="probation"))  # no second factor
    for url in ("/api/v1/panels/actions/", "/api/v1/pathways/services/", "/api/schema/"):
        assert client.get(url).status_code == 403, url
