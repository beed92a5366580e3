"""Every page, partial, API response and file that shows a person is a
consultation in the audit trail (SECURITY.md "Audit"; issue #13 item 3).

The walk needs no update when a page is added; it fails when one slips through:

1. Every URL pattern the resolver serves is enumerated (django.urls.get_resolver).
   Each of its parameters must be classified below: which kind of object an id
   names (a person, or a record belonging to one: need, referral, agenda item,
   action, disposal, …, or a record that is not about one person: panel,
   meeting, report run …). A parameter nobody classified fails the test, so a
   new page cannot go unwalked.
2. One object of each kind is taken from the demo borough, and every persona
   GETs every URL filled in with it.
3. For every 200 (HTML, htmx partial, API JSON), each person whose case
   reference or full name is in the body, and the person the URL names, must
   be named by a consultation event written during that request (its
   `person_id`, or the ids of a list event: `details.people` /
   `details.person_ids`). A file (an attachment: PDF, CSV) must be a
   disclosure naming them instead.
4. Each URL naming a person's record must give at least one persona a 200, or
   refuse GET (405: a form's POST target): otherwise the walk proved nothing.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

from rrcase.audit.models import Action, AuditEvent
from tests.urlwalk import PARAMETER, People, body_of, is_file, named_by, url_patterns

pytestmark = pytest.mark.django_db

# Not the application's own pages, or ones that would end the persona's session.
SKIP_PREFIXES = ("admin/", "static/")
SKIP_NAMES = {"core:sign-out", "core:sign-in"}

# Parameter name -> the kind of object it names, wherever it appears.
KIND_OF_PARAMETER = {
    "person_id": "person",
    "need_id": "need",
    "membership_id": "membership",
    "disposal_id": "disposal",
    "referral_id": "referral",
    "service_id": "service",
    "user_id": "user",
    "appointment_id": "appointment",
}
# Parameters whose meaning depends on the URL (`pk`, `run_id`): by URL name.
KIND_BY_URL = {
    "panels:panel-type": "panel_type",
    "panels:generate": "panel_type",
    "panels:rules": "panel_type",
    "panels:tracker": "panel_type",
    "panels:meeting": "meeting",
    "panels:meeting-edit": "meeting",
    "panels:start": "meeting",
    "panels:conclude": "meeting",
    "panels:cancel": "meeting",
    "panels:build-agenda": "meeting",
    "panels:request-updates": "meeting",
    "panels:add-person": "meeting",
    "panels:notes": "meeting",
    "panels:attendance": "meeting",
    "panels:agenda-pdf": "meeting",
    "panels:minutes-pdf": "meeting",
    "panels:item": "agenda_item",
    "panels:item-discussion": "agenda_item",
    "panels:item-decision": "agenda_item",
    "panels:item-action": "agenda_item",
    "panels:action": "panel_action",
    "panels:update": "update_request",
    "panels-api:panel-meeting-detail": "meeting",
    "panels-api:panel-action-detail": "panel_action",
    "panels-api:panel-action-transition": "panel_action",
    "api:person-detail": "person",
    "api:cohort-membership-detail": "membership",
    "api:disposal-detail": "disposal",
    "api:offence-detail": "offence",
    "api:contact-detail": "contact",
    "api:appointment-detail": "appointment",
    "api:appointment-cancel": "appointment",
    "api:appointment-outcome": "appointment",
    "api:appointment-reschedule": "appointment",
    "api:assessment-detail": "assessment",
    "api:enforcement-detail": "enforcement",
    "reporting:detail": "report_run",
    "reporting:progress": "report_run",
    "reporting:download": "report_run",
    "imports:detail": "import_run",
    "imports:progress": "import_run",
    "imports:rejects": "import_run",
}
# Parameters that are not ids: the values walked.
VALUES_OF_PARAMETER = {
    "pathway_code": ["accommodation"],
    "action": ["accept", "withdraw"],  # a referral's step: one per side
    "file_format": ["csv"],
    "format": ["json"],  # DRF's format suffix
    # A calendar feed's secret: an unknown one is a 404 (the feed itself, which
    # names no one, is tested in tests/offenders/test_appointments_pages.py).
    "token": ["0" * 43],
}
# Kinds that belong to one person: the URL's person must be consulted.
PERSON_KINDS = {
    "person",
    "need",
    "membership",
    "disposal",
    "referral",
    "agenda_item",
    "panel_action",
    "update_request",
    "offence",
    "contact",
    "assessment",
    "enforcement",
    "appointment",
}
# Each role that may open people's records, from a leading, a partner and a
# receiving agency; and the system admin, who must see nobody (item 4). Analysts
# are walked by tests/test_url_permissions.py: no page shows them anyone.
PERSONAS = ["probation", "police", "housing", "chair", "probation-admin", "dpo", "sysadmin"]


@dataclass
class Route:
    name: str
    route: str
    parameters: list[str]
    kinds: dict[str, str] = field(default_factory=dict)
    unclassified: list[str] = field(default_factory=list)


def routes() -> list[Route]:
    out = []
    for route, name in url_patterns():
        if route.startswith(SKIP_PREFIXES) or name in SKIP_NAMES:
            continue
        parameters = [a or b for a, b in PARAMETER.findall(route)]
        entry = Route(name=name, route=route, parameters=parameters)
        for parameter in parameters:
            if parameter in VALUES_OF_PARAMETER:
                continue
            kind = KIND_OF_PARAMETER.get(parameter) or KIND_BY_URL.get(name)
            if kind is None:
                entry.unclassified.append(parameter)
            else:
                entry.kinds[parameter] = kind
        out.append(entry)
    return out


def fill(route: str, values: dict[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        return values[match.group(1) or match.group(2)]

    path = PARAMETER.sub(one, route).replace("^", "").replace("$", "")
    return "/" + path.replace("\\.", ".").replace("/?", "/").rstrip("?")


# --- the objects walked -------------------------------------------------------------


def demo_objects() -> dict[str, tuple[int, int | None]]:
    """kind -> (id, the person it belongs to), one of each, from the demo borough."""
    from offenders.models import (
        Appointment,
        CohortMembership,
        Contact,
        Disposal,
        Enforcement,
        ImportRun,
        Offence,
        Person,
        RiskAssessment,
    )
    from panels.models import AgendaItem, PanelAction, PanelMeeting, PanelType, UpdateRequest
    from pathways.models import Need, Referral, ReferralState, Service
    from reporting.models import ReportRun
    from rrcase.access.models import Agency

    def first(queryset: Any, person: str | None = "person_id") -> tuple[int, int | None]:
        row = queryset.order_by("pk").first()
        assert row is not None, f"the demo borough has no {queryset.model.__name__}"
        return row.pk, getattr(row, person) if person else None

    referral = Referral.objects.filter(state=ReferralState.SENT)
    item = AgendaItem.objects.filter(actions__isnull=False)
    report = ReportRun.objects.create(
        kind="quarterly", period_start="2025-04-01", period_end="2025-06-30",
        as_of="2025-07-31", definition_version=1, status="queued",
    )  # fmt: skip
    imported = ImportRun.objects.create(
        agency=Agency.objects.get(code="probation"),
        requested_by=User.objects.get(username="probation-admin"),
        storage_key="consultation-walk",
        status="rejected",
    )
    return {
        "person": first(Person.objects.filter(needs__referrals__isnull=False), "pk"),
        "need": first(Need.objects.filter(referrals__isnull=False)),
        "membership": first(CohortMembership.objects.filter(end_date__isnull=True)),
        "disposal": first(Disposal.objects.filter(terminated_date__isnull=True)),
        "referral": first(referral),
        "agenda_item": first(item),
        "panel_action": first(PanelAction.objects.filter(person__isnull=False)),
        "update_request": first(UpdateRequest.objects.filter(responded_at__isnull=True), None),
        "offence": first(Offence.objects.all()),
        "contact": first(Contact.objects.filter(sensitivity="standard")),
        # Booked and past its start: its outcome, reschedule and cancel pages all open.
        "appointment": first(
            Appointment.objects.filter(sensitivity="standard", status="booked").order_by(
                "starts_at"
            )
        ),
        "assessment": first(RiskAssessment.objects.all()),
        "enforcement": first(Enforcement.objects.filter(sensitivity="standard")),
        "meeting": first(PanelMeeting.objects.filter(items__isnull=False).distinct(), None),
        "panel_type": first(
            PanelType.objects.filter(meetings__items__isnull=False).distinct(), None
        ),
        "service": first(Service.objects.all(), None),
        "user": first(User.objects.filter(username="probation2"), None),
        "report_run": (report.pk, None),
        "import_run": (imported.pk, None),
    }


def person_of_update_request(pk: int) -> int:
    from panels.models import UpdateRequest

    return UpdateRequest.objects.get(pk=pk).item.person_id


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=io.StringIO())


def test_every_url_parameter_is_classified(db):
    """A page taking an id the walk does not know would not be walked."""
    unknown = [
        f"{r.name} ({r.route}): {', '.join(r.unclassified)}" for r in routes() if r.unclassified
    ]
    assert len(routes()) > 100  # the resolver was walked, not an empty list
    assert not unknown, "Classify these URL parameters in this test:\n" + "\n".join(unknown)


def test_every_page_showing_a_person_records_a_consultation(demo):
    objects = demo_objects()
    people = People()
    failures: list[str] = []
    shown_to_someone: dict[str, bool] = {}
    get_refused: dict[str, bool] = {}
    for route in routes():
        assert not route.unclassified, f"{route.name} has unclassified parameters"
        for path, person_id in _paths(route, objects):
            key = f"{route.name} {path}"
            shown_to_someone.setdefault(key, False)
            get_refused.setdefault(key, False)
            for username in PERSONAS:
                client = _client(username)
                PREPARE.get(route.name, lambda c, p: None)(client, person_id)
                before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
                response = client.get(path)
                get_refused[key] |= response.status_code == 405
                if response.status_code != 200:
                    continue
                shown_to_someone[key] = True
                events = list(AuditEvent.objects.filter(pk__gt=before or 0))
                failures += _check(username, key, response, person_id, events, people)
    # A form's POST target refuses GET (405, after authentication for the API).
    for key, shown in shown_to_someone.items():
        if not shown and not get_refused[key] and _names_a_person(key):
            failures.append(f"{key}: no persona got a 200, so nothing was checked")
    assert not failures, "\n".join(failures)


def _pending_adoption(client: Client, person_id: int | None) -> None:
    """The check-your-answers page shows answers waiting in the session."""
    session = client.session
    session["cohort_adopt"] = {
        str(person_id): {"cohort": "dip", "start_date": "2026-01-05", "reason": "Walk"}
    }
    session.save()


# Session state a page needs before it shows anything (else it redirects).
PREPARE = {"offenders:cohort-adopt-check": _pending_adoption}

_CLIENTS: dict[str, Client] = {}


def _client(username: str) -> Client:
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = _CLIENTS.get(username)
    if client is None or not client.session.get(DEVICE_ID_SESSION_KEY):
        user = User.objects.get(username=username)
        client = Client()
        client.force_login(user)
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        assert device is not None
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        _CLIENTS[username] = client
    return client


@pytest.fixture(autouse=True)
def _fresh_clients():
    _CLIENTS.clear()
    yield
    _CLIENTS.clear()


_PERSON_ROUTES: set[str] = set()


def _names_a_person(key: str) -> bool:
    return key.split(" ", 1)[0] in _PERSON_ROUTES


def _paths(
    route: Route, objects: dict[str, tuple[int, int | None]]
) -> list[tuple[str, int | None]]:
    """The paths walked for a route, each with the person its object belongs to."""
    values: dict[str, str] = {}
    person_id: int | None = None
    # The most specific object decides the person (a need's person, not any person).
    anchors = [k for k in route.kinds.values() if k != "person"] or list(route.kinds.values())
    if anchors:
        anchor = anchors[0]
        pk, person_id = objects[anchor]
        if anchor == "update_request":
            person_id = person_of_update_request(pk)
        if anchor == "person":
            person_id = pk
        if anchor in PERSON_KINDS:
            _PERSON_ROUTES.add(route.name)
        for parameter, kind in route.kinds.items():
            values[parameter] = str(person_id if kind == "person" else objects[kind][0])
    paths = [(values, person_id)]
    for parameter in route.parameters:
        if parameter in VALUES_OF_PARAMETER:
            paths = [
                ({**v, parameter: choice}, p)
                for v, p in paths
                for choice in VALUES_OF_PARAMETER[parameter]
            ]
    return [(fill(route.route, v), p) for v, p in paths]


def _check(
    username: str,
    key: str,
    response: Any,
    person_id: int | None,
    events: list[AuditEvent],
    people: People,
) -> list[str]:
    if is_file(response) and not any(e.action == Action.DISCLOSE for e in events):
        return [f"{username}: GET {key} is a file with no disclosure event"]
    shown = [] if is_file(response) else people.shown_in(body_of(response))
    if person_id is not None:
        shown.append(frozenset({person_id}))
    wanted = Action.DISCLOSE if is_file(response) else Action.CONSULT
    recorded = named_by([e for e in events if e.action == wanted])
    missing = sorted({min(mention) for mention in shown if not mention & recorded})
    problems = []
    if missing:
        problems.append(
            f"{username}: GET {key} shows people {missing} with no {wanted} event naming them"
        )
    # One page, one consultation of each person: a second event for the same
    # person would be a helper and a view both recording it.
    counts: dict[int, int] = {}
    for event in events:
        if event.action == Action.CONSULT:
            for pk in named_by([event]):
                counts[pk] = counts.get(pk, 0) + 1
    twice = sorted(pk for pk, n in counts.items() if n > 1)
    if twice:
        problems.append(f"{username}: GET {key} records people {twice} more than once")
    return problems
