"""Names stay out of URLs: only a posted search may search (SECURITY.md
"Authentication and sessions": no personal data in URLs or query strings;
issue #13 item 7).

Every page and API list the project serves without an id is walked with a name
in each query parameter a search might use (?q=, ?name=, ?term=, ?search= …).
None may search with it: the page must list the same people as without the
parameters, or redirect to an address without the name, and write nothing
carrying the name to the audit trail (a page that took it in would record it
with its query). New list pages are
walked automatically.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from rrcase.audit.models import AuditEvent
from tests.urlwalk import PARAMETER, People, body_of, plain_path, url_patterns

pytestmark = pytest.mark.django_db

NAME_PARAMETERS = [
    "q", "query", "name", "term", "search", "given_name", "family_name", "surname",
    "person", "pnc_id", "full_name",
]  # fmt: skip
# Who may see every list: a practitioner of the lead agency and a panel chair.
PERSONAS = ["probation", "chair"]


@pytest.fixture
def people(make_person):
    """More people than a page of the case list, the one searched for last by name."""
    for n in range(30):
        make_person(given_name="Alex", family_name=f"Abbot{n:02d}")
    return make_person(reference="N900099", given_name="Zebedee", family_name="Quartermaine")


def test_no_list_or_search_page_searches_by_a_name_in_its_address(sign_in, people):
    target = people
    mentions = People()
    failures = []
    pages = [
        plain_path(route)
        for route, name in url_patterns()
        if not PARAMETER.search(route)
        and not route.startswith(("admin/", "static/"))
        and name not in ("core:sign-out", "core:sign-in")
    ]
    assert "/cases/" in pages
    for username in PERSONAS:
        client = sign_in(username)
        for path in pages:
            plain = client.get(path)
            if plain.status_code != 200:
                continue
            shown = set().union(*mentions.shown_in(body_of(plain)) or [set()])
            for term in (target.family_name, target.full_name):
                # Every parameter at once; one at a time only if the page refuses
                # the mix (a 400 would hide what one of them does).
                queries = [dict.fromkeys(NAME_PARAMETERS, term)]
                before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
                first = client.get(f"{path}?{urlencode(queries[0])}")
                # A page that took the name in would record it with its query.
                for event in AuditEvent.objects.filter(pk__gt=before or 0):
                    if "quartermaine" in json.dumps(event.details).lower():
                        failures.append(f"{username}: GET {path} kept the name: {event.details}")
                if first.status_code >= 400:
                    queries = [{p: term} for p in NAME_PARAMETERS]
                for query in queries:
                    response = (
                        first if len(queries) == 1 else client.get(f"{path}?{urlencode(query)}")
                    )
                    where = f"{username}: GET {path}?{urlencode(query)}"
                    if 300 <= response.status_code < 400:
                        if "quartermaine" in response["Location"].lower():
                            failures.append(f"{where} redirects to a URL with the name")
                        continue
                    found = set().union(*mentions.shown_in(body_of(response)) or [set()])
                    # A search narrows the list (or finds the one person): any
                    # change in who is listed means the name was used.
                    if found != shown:
                        failures.append(f"{where} lists other people: a search by URL")
    assert not failures, "\n".join(failures)


def test_a_name_in_the_case_list_address_is_dropped_not_searched(sign_in, people):
    client = sign_in("probation")
    response = client.get("/cases/?tab=all&q=Quartermaine&sort=name")
    assert response.status_code == 302
    assert response["Location"] == "/cases/?tab=all&sort=name"
    page = client.get(response["Location"]).content.decode()
    assert "names are not kept in web addresses" in page
    assert "QUARTERMAINE" not in page
    # The posted search finds them, under an opaque id.
    found = client.post("/cases/search/", {"term": "Quartermaine"})
    assert "Quartermaine" not in found["Location"]
    assert "QUARTERMAINE, Zebedee" in client.get(found["Location"]).content.decode()


def test_a_search_id_this_session_does_not_hold_is_dropped(sign_in, people):
    response = sign_in("probation").get("/cases/?tab=all&search=Quartermaine")
    assert response.status_code == 302
    assert response["Location"] == "/cases/?tab=all"
