"""Walking every URL the project serves, and reading who a response shows:
shared by the consultation walk (tests/audit/test_consultation_walk.py) and
the no-search-by-URL walk (tests/offenders/test_no_search_by_get.py)."""

from __future__ import annotations

import json
import re
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

from rrcase.audit.models import AuditEvent

# A URL parameter: <int:person_id>, or a regex group (?P<pk>…) in DRF's routes.
PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")


def url_patterns() -> list[tuple[str, str]]:
    """(route, namespaced name) for every URL pattern the resolver serves."""
    return _walk(get_resolver().url_patterns)


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> list[tuple[str, str]]:
    found = []
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = ":".join(n for n in (namespace, entry.namespace or "") if n)
            found += _walk(entry.url_patterns, route, inner)
        elif isinstance(entry, URLPattern):
            name = ":".join(n for n in (namespace, entry.name or "") if n) or route
            found.append((route, name))
    return found


PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")


def plain_path(route: str) -> str:
    """The path of a route without parameters."""
    return "/" + route.replace("^", "").replace("$", "").replace("\\.", ".")


class People:
    """Who a body mentions, by case reference or full name. Two people may share
    a name: a name is accounted for when any of the people so named was
    recorded."""

    def __init__(self) -> None:
        from offenders.models import Person

        rows = list(Person.objects.values_list("pk", "reference", "given_name", "family_name"))
        self.by_reference = {ref: pk for pk, ref, _, _ in rows}
        self.by_name: dict[str, set[int]] = {}
        for pk, _, given, family in rows:
            self.by_name.setdefault(f"{given} {family}", set()).add(pk)
        self.token = re.compile(r"[A-Z0-9/]{4,}")

    def shown_in(self, body: str) -> list[frozenset[int]]:
        """For each mention, the people it may be."""
        found = [
            frozenset({self.by_reference[t]})
            for t in set(self.token.findall(body))
            if t in self.by_reference
        ]
        found += [frozenset(pks) for name, pks in self.by_name.items() if name in body]
        return found


def named_by(events: list[AuditEvent]) -> set[int]:
    ids: set[int] = set()
    for event in events:
        if event.person_id is not None:
            ids.add(event.person_id)
        details = event.details or {}
        for key in ("people", "person_ids"):
            listed = details.get(key)
            if isinstance(listed, list):  # (a disclosure's "people" is a count)
                ids.update(int(pk) for pk in listed if str(pk).isdigit())
    return ids


def is_file(response: Any) -> bool:
    return "attachment" in response.get("Content-Disposition", "") or response[
        "Content-Type"
    ].startswith(("application/pdf", "text/csv"))


def body_of(response: Any) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    text = raw.decode(errors="replace")
    if response["Content-Type"].startswith("application/json"):
        # Names in JSON are split into fields: join each object's given and family name.
        try:
            data = json.loads(text)
        except ValueError:
            return text
        extra: list[str] = []

        def visit(node: Any) -> None:
            if isinstance(node, dict):
                if "given_name" in node and "family_name" in node:
                    extra.append(f"{node['given_name']} {node['family_name']}")
                for value in node.values():
                    visit(value)
            elif isinstance(node, list):
                for value in node:
                    visit(value)

        visit(data)
        text += "\n" + "\n".join(extra)
    return text
