"""Classes of information in panel text (issue #13, item 5).

Discussion notes, general notes, decisions' reasons and agency updates each
carry a class of information, and the sharing agreement (the same
SharingRule that decides which agency sees which contacts) decides who reads
them. The class test writes one of each, of every class, and asks every
agency of the demo borough for every surface that shows panel text — the
meeting page, the item page, the person page and its Panels tab, the panel
tracker, the meetings and decisions API, the minutes and the agenda pack —
asserting each contains the text if and only if the agreement allows that
agency the class, and that each copy of the papers says truly what it left
out.
"""

from __future__ import annotations

import re
from datetime import date, time

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from offenders.models import BragChange, Sensitivity
from panels import services
from panels.models import AgendaItem, PanelMeeting, PanelType, UpdateRequest
from rrcase.access import demo
from rrcase.access import services as access_services
from rrcase.access.models import Agency, Role
from rrcase.access.selectors import visible_sensitivities
from tests.panels.conftest import agency, make_person, user
from tests.panels.test_documents import pdf_text

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 20)
CLASSES = [value for value, _ in Sensitivity.choices]
# Who answers the update request for each class: an agency allowed it.
RESPONDER = {
    "standard": "housing",
    "police_intelligence": "police",
    "health": "health",
    "mappa": "probation",
}


def marker(kind: str, sensitivity: str) -> str:
    return f"{kind}-{sensitivity.replace('_', '')}-marker"


@pytest.fixture
def everyone(borough):
    """A practitioner in every demo agency (the personas cover only some)."""
    readers = {}
    for code, _, _ in demo.AGENCIES:
        name = f"reader-{code}"
        access_services.user_create(
            username=name, first_name="Reader", last_name=code.title(),
            email=f"{name}@northbridge.example", agency=Agency.objects.get(code=code),
            role=Role.PRACTITIONER, password=None, by=None,
        )  # fmt: skip
        readers[code] = name
    return readers


@pytest.fixture
def classed_minutes(everyone):
    """A panel every demo agency sits on (standard papers), one concluded
    meeting per class, each with one person whose discussion notes,
    decision reasons, general notes and one agency's update are of that class."""
    with time_machine.travel(date(2026, 3, 1), tick=False):
        panel = PanelType.objects.create(
            code="all", name="Whole partnership panel", frequency="monthly", weekday=1,
            week_of_month=2, cadence_starts_on=date(2025, 1, 1), start_time=time(10, 0),
            location="Civic Centre", quorum=1, cohorts=["iom"], lead_priority=5,
        )  # fmt: skip
        panel.member_agencies.set(Agency.objects.all())
        panel.chairs.set([user("chair")])
        meetings = {}
        for n, sensitivity in enumerate(CLASSES):
            person = make_person(given_name="Alex", family_name=f"Class{n}")
            meeting = PanelMeeting.objects.create(
                panel_type=panel, date=date(2026, 3, 2 + n), start_time=time(10, 0),
                location="Civic Centre",
            )  # fmt: skip
            services.agenda_item_add(meeting=meeting, person=person, by=user("chair"))
            services.update_requests_send(meeting=meeting, by=user("chair"))
            item = AgendaItem.objects.get(meeting=meeting)
            responder = RESPONDER[sensitivity]
            services.update_respond(
                request=UpdateRequest.objects.get(item=item, agency=agency(responder)),
                response=marker("update", sensitivity), sensitivity=sensitivity,
                by=user(everyone[responder]),
            )  # fmt: skip
            services.meeting_start(meeting=meeting, by=user("chair"))
            services.agenda_item_discussion(
                item=item, discussion=marker("discussion", sensitivity), version=item.version,
                sensitivity=sensitivity, by=user("chair"),
            )  # fmt: skip
            person.refresh_from_db()
            services.decision_record(
                item=item, outcome="retain", rationale=marker("rationale", sensitivity),
                brag="amber", brag_reason=marker("bragreason", sensitivity),
                person_version=person.version, sensitivity=sensitivity, by=user("chair"),
            )  # fmt: skip
            meeting.refresh_from_db()
            services.meeting_notes_update(
                meeting=meeting, notes=marker("notes", sensitivity), version=meeting.version,
                sensitivity=sensitivity, by=user("chair"),
            )  # fmt: skip
            services.meeting_conclude(meeting=meeting, by=user("chair"))
            meetings[sensitivity] = (meeting, item, person)
    return panel, meetings


TEXTS = ["update", "discussion", "rationale", "bragreason", "notes"]


def surfaces(client, panel, meeting, item, person, shared: dict[str, str]) -> dict[str, str]:
    """Everything one reader gets that may show this meeting's text
    (`shared`: the reader's pages about every meeting at once)."""
    pages = {
        "meeting page": reverse("panels:meeting", args=[meeting.pk]),
        "item page": reverse("panels:item", args=[item.pk]),
        "person page": reverse("offenders:person", args=[person.pk]),
        "person Panels tab": reverse("offenders:person-panels", args=[person.pk]),
        "meeting API": f"/api/v1/panels/meetings/{meeting.pk}/",
    }
    out = dict(shared)
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        out[name] = response.content.decode()
    for kind in ("minutes", "agenda"):
        response = client.get(reverse(f"panels:{kind}-pdf", args=[meeting.pk]))
        assert response.status_code == 200, (kind, response.status_code)
        out[f"{kind} PDF"] = pdf_text(response.content)
    return out


def test_every_agency_sees_panel_text_only_of_classes_the_agreement_allows(
    classed_minutes, everyone, sign_in
):
    panel, meetings = classed_minutes
    checked = 0
    with time_machine.travel(TODAY, tick=False):
        for code, username in everyone.items():
            allowed = visible_sensitivities(Agency.objects.get(code=code))
            client = sign_in(username)
            shared = {
                "tracker": client.get(reverse("panels:tracker", args=[panel.pk])),
                "decisions API": client.get("/api/v1/panels/decisions/"),
            }
            assert all(r.status_code == 200 for r in shared.values())
            shared_pages = {name: r.content.decode() for name, r in shared.items()}
            for sensitivity, (meeting, item, person) in meetings.items():
                seen = surfaces(client, panel, meeting, item, person, shared_pages)
                for surface, content in seen.items():
                    for text in TEXTS:
                        present = marker(text, sensitivity) in content
                        # Only the minutes and pages carry discussion and
                        # decisions; the agenda pack carries the updates.
                        if surface == "agenda PDF" and text != "update":
                            assert not present
                            continue
                        may = sensitivity in allowed
                        expected = may and (
                            (surface, text) in SHOWN
                            or (sensitivity == "standard" and (surface, text) in ON_RECORD)
                        )
                        assert present == expected, (code, sensitivity, surface, text)
                        checked += 1
    assert checked > 1000


# Where each text appears for a reader allowed its class (the other cells
# must never contain it, allowed or not).
SHOWN = {
    ("meeting page", "notes"),
    ("item page", "update"),
    ("item page", "discussion"),
    ("item page", "rationale"),
    ("item page", "bragreason"),
    ("meeting API", "discussion"),
    ("meeting API", "rationale"),
    ("decisions API", "rationale"),
    ("decisions API", "bragreason"),
    ("minutes PDF", "update"),
    ("minutes PDF", "discussion"),
    ("minutes PDF", "rationale"),
    ("minutes PDF", "bragreason"),
    ("minutes PDF", "notes"),
    ("agenda PDF", "update"),
}


# A standard decision's BRAG reason is the person record's BRAG reason too
# (a classed one is replaced there by a neutral one: the next test).
ON_RECORD = {("person page", "bragreason")}


def test_the_person_record_gets_a_neutral_reason_for_a_classed_decision(classed_minutes):
    """The BRAG history and cohort reasons every involved agency reads name
    the panel, not the text of a police-intelligence (or other class) decision."""
    _, meetings = classed_minutes
    for sensitivity, (_, _, person) in meetings.items():
        reason = BragChange.objects.get(person=person).reason
        if sensitivity == "standard":
            assert reason == marker("bragreason", sensitivity)
        else:
            assert marker("bragreason", sensitivity) not in reason
            assert reason.endswith(": the reasons are in the panel's minutes")
            assert "intelligence" not in reason
            assert "health" not in reason


def copy_statement(meeting: PanelMeeting, code: str, kind: str) -> str:
    text = pdf_text(
        services.meeting_document_disclose(
            meeting=meeting, recipient=agency(code), kind=kind, by=user("chair")
        )
    )
    found = re.search(r"\((Left out of this copy[^)]*|Nothing was left out[^)]*)\) Tj", text)
    assert found, text
    return found.group(1)


def test_each_copy_says_truly_what_it_left_out(classed_minutes):
    _, meetings = classed_minutes
    with time_machine.travel(TODAY, tick=False):
        police = meetings["police_intelligence"][0]
        # Discussion, decision reasons, general notes and the police update.
        assert copy_statement(police, "council", "minutes") == (
            "Left out of this copy under the information sharing agreement: "
            "4 items of police intelligence."
        )
        assert copy_statement(police, "council", "agenda") == (
            "Left out of this copy under the information sharing agreement: "
            "1 item of police intelligence."
        )
        assert copy_statement(police, "police", "minutes") == (
            "Nothing was left out of this copy for its class of information."
        )
        # A standard meeting: nothing of any class to leave out, for anyone.
        standard = meetings["standard"][0]
        for code in ("council", "housing", "police"):
            assert copy_statement(standard, code, "minutes") == (
                "Nothing was left out of this copy for its class of information."
            )
        health = meetings["health"][0]
        assert copy_statement(health, "police", "minutes") == (
            "Left out of this copy under the information sharing agreement: "
            "4 items of health information."
        )


def test_the_issue_case_a_chairs_police_note_is_not_in_the_councils_copy(iom, sign_in):
    """The chair (council) records what the police said at the table as
    police intelligence: the council's own copy leaves it out and says so."""
    person = make_person(given_name="Jo", family_name="Issue")
    with time_machine.travel(date(2026, 3, 10), tick=False):
        meeting = PanelMeeting.objects.create(
            panel_type=iom, date=date(2026, 3, 10), start_time=time(10), location="Room 4"
        )
        services.agenda_item_add(meeting=meeting, person=person, by=user("chair"))
        services.meeting_start(meeting=meeting, by=user("chair"))
        item = AgendaItem.objects.get(meeting=meeting)
        client = sign_in("chair")
        page = client.get(reverse("panels:item", args=[item.pk])).content.decode()
        assert 'value="police_intelligence"' in page
        note = "Police report renewed association with known suppliers"
        response = client.post(
            reverse("panels:item-discussion", args=[item.pk]),
            {"discussion": note, "discussion_sensitivity": "police_intelligence", "version": 1},
        )
        assert response.status_code == 302
        council = pdf_text(client.get(reverse("panels:minutes-pdf", args=[meeting.pk])).content)
        assert "known suppliers" not in council
        assert "1 item of police intelligence" in council
        police = copy_statement(meeting, "police", "minutes")
        assert police.startswith("Nothing was left out")
        assert note in pdf_text(
            services.meeting_document_disclose(
                meeting=meeting, recipient=agency("police"), kind="minutes", by=user("chair")
            )
        )
        # The chair's own page says the notes exist and are not theirs to see,
        # and the chair cannot overwrite them unseen.
        page = client.get(reverse("panels:item", args=[item.pk])).content.decode()
        assert note not in page
        assert "The discussion notes are police intelligence" in page
        item.refresh_from_db()
        with pytest.raises(ValueError, match="may not see"):
            services.agenda_item_discussion(
                item=item, discussion="", version=item.version, by=user("chair")
            )
        item.refresh_from_db()
        assert item.discussion == note


def test_a_class_no_agency_on_the_panel_may_see_is_refused(iom):
    """With only police and council on the panel, no member may see health
    information: a health note could never be read back, so it is refused."""
    iom.member_agencies.set([agency("police"), agency("council")])
    person = make_person(given_name="Kim", family_name="Nobody")
    with time_machine.travel(date(2026, 3, 10), tick=False):
        meeting = PanelMeeting.objects.create(
            panel_type=iom, date=date(2026, 3, 10), start_time=time(10), location="Room 4"
        )
        services.agenda_item_add(meeting=meeting, person=person, by=user("chair"))
        services.meeting_start(meeting=meeting, by=user("chair"))
        item = AgendaItem.objects.get(meeting=meeting)
        with pytest.raises(ValueError, match="No agency on this panel may see health"):
            services.agenda_item_discussion(
                item=item, discussion="Sees a GP", version=item.version, sensitivity="health",
                by=user("chair"),
            )  # fmt: skip
    item.refresh_from_db()
    assert item.discussion == ""


def test_item_and_meeting_pages_queries_do_not_grow_with_classed_text(iom, sign_in):
    """Withholding is done on loaded rows: more decisions of more classes add
    no queries to the item or meeting page (one query per relation)."""
    person = make_person(given_name="Q", family_name="Count")
    with time_machine.travel(date(2026, 3, 10), tick=False):
        meeting = PanelMeeting.objects.create(
            panel_type=iom, date=date(2026, 3, 10), start_time=time(10), location="Room 4"
        )
        services.agenda_item_add(meeting=meeting, person=person, by=user("chair"))
        services.meeting_start(meeting=meeting, by=user("chair"))
        item = AgendaItem.objects.get(meeting=meeting)
        client = sign_in("chair")
        urls = [
            reverse("panels:item", args=[item.pk]),
            reverse("panels:meeting", args=[meeting.pk]),
        ]

        def counts() -> list[int]:
            found = []
            for url in urls:
                with CaptureQueriesContext(connection) as queries:
                    assert client.get(url).status_code == 200
                found.append(len(queries))
            return found

        services.decision_record(
            item=item, outcome="retain", rationale="standard one", by=user("chair")
        )
        before = counts()
        for sensitivity in ("police_intelligence", "mappa", "health", "police_intelligence"):
            services.decision_record(
                item=item, outcome="retain", rationale=f"{sensitivity} one",
                sensitivity=sensitivity, by=user("chair"),
            )  # fmt: skip
        assert counts() == before
