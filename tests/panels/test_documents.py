"""Agenda packs and minutes as PDF: one copy per receiving agency, with the
classes that agency may not see left out (checked in the PDF's own text),
and every download recorded as a disclosure to its recipient."""

from __future__ import annotations

import re
import zlib
from datetime import UTC, date, datetime

import pytest
from django.urls import reverse

from offenders import services as offender_services
from offenders.models import Enforcement
from panels import services
from panels.models import AgendaItem, PanelMeeting, UpdateRequest
from rrcase.audit.models import AuditEvent
from tests.panels.conftest import agency, in_iom, make_person, meeting_on, user

pytestmark = pytest.mark.django_db

DAY = date(2026, 3, 10)


def pdf_text(content: bytes) -> str:
    """The text drawn in a PDF, from its (deflated) content streams."""
    assert content.startswith(b"%PDF")
    out = []
    for chunk in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", content, re.S):
        try:
            out.append(zlib.decompress(chunk).decode("latin-1"))
        except zlib.error:
            out.append(chunk.decode("latin-1"))
    return "\n".join(out)


@pytest.fixture
def papers(iom, mappa2):
    person = make_person(given_name="Liam", family_name="Foster")
    in_iom(person)
    offender_services.cohort_adopt(
        person=person, cohort="mappa", start_date=date(2025, 1, 1), reason="Cat 2",
        mappa_category=2, mappa_level=2, by=user("probation"),
    )  # fmt: skip
    Enforcement.objects.create(
        person=person, kind="arrest", agency=agency("police"), sensitivity="police_intelligence",
        occurred_at=datetime(2026, 3, 1, 9, tzinfo=UTC), notes="Seen with a known supplier",
    )  # fmt: skip
    Enforcement.objects.create(
        person=person, kind="breach", agency=agency("probation"),
        occurred_at=datetime(2026, 3, 2, 9, tzinfo=UTC), notes="Missed two appointments",
    )  # fmt: skip
    meeting = meeting_on(iom, DAY)
    services.agenda_item_add(meeting=meeting, person=person, by=user("chair"))
    mappa_meeting = meeting_on(mappa2, date(2026, 3, 5))
    services.agenda_item_add(meeting=mappa_meeting, person=person, by=user("probation"))
    services.update_requests_send(meeting=meeting, by=user("chair"))
    item = AgendaItem.objects.get(meeting=meeting)
    services.update_respond(
        request=UpdateRequest.objects.get(item=item, agency=agency("police")),
        response="Intelligence: dealing from the flat", sensitivity="police_intelligence",
        by=user("police"),
    )  # fmt: skip
    services.update_respond(
        request=UpdateRequest.objects.get(item=item, agency=agency("probation")),
        response="Attending weekly", by=user("probation"),
    )  # fmt: skip
    services.meeting_start(meeting=meeting, by=user("chair"))
    services.decision_record(item=item, outcome="retain", rationale="Keep", by=user("chair"))
    services.meeting_conclude(meeting=meeting, by=user("chair"))
    return meeting


def copy_for(meeting: PanelMeeting, code: str, kind: str = "minutes") -> str:
    return pdf_text(
        services.meeting_document_disclose(
            meeting=meeting, recipient=agency(code), kind=kind, by=user("chair")
        )
    )


def test_a_non_mappa_agencys_copy_has_no_mappa_or_police_intelligence(papers):
    council = copy_for(papers, "council")
    assert "OFFICIAL-SENSITIVE" in council
    assert "Liam Foster" in council
    assert "Attending weekly" in council
    assert "Missed two appointments" in council
    assert "Decision: Retain" in council
    assert "MAPPA" not in council.replace("MAPPA, Police intelligence", "")
    assert "MAPPA level 2" not in council
    assert "dealing from the flat" not in council
    assert "known supplier" not in council
    # The statement counts what was left out: the police update and arrest.
    assert "sharing agreement: 2 items of police intelligence." in council


def test_the_police_copy_has_what_police_may_see(papers):
    police = copy_for(papers, "police")
    assert "Also discussed at: MAPPA level 2" in police
    assert "dealing from the flat" in police
    assert "known supplier" in police
    assert "Nothing was left out of this copy for its class of information." in police


def test_agenda_pack_has_updates_but_no_decisions(papers):
    pack = copy_for(papers, "probation", kind="agenda")
    assert "Attending weekly" in pack
    assert "Decision:" not in pack


def test_a_member_agency_without_the_panels_class_gets_no_copy(papers, mappa2):
    mappa_meeting = PanelMeeting.objects.get(panel_type=mappa2)
    with pytest.raises(ValueError, match="may not receive"):
        services.meeting_document_disclose(
            meeting=mappa_meeting, recipient=agency("council"), kind="agenda", by=user("probation")
        )
    assert "MAPPA level 2" in copy_for(mappa_meeting, "police", kind="agenda")


def test_every_download_is_a_disclosure_to_its_recipient(papers, sign_in):
    url = reverse("panels:minutes-pdf", args=[papers.pk])
    response = sign_in("chair").get(url + "?for=police")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    events = AuditEvent.objects.filter(action="disclose")
    assert set(events.values_list("recipient", flat=True)) == {"Northbridge Police"}
    person_id = AgendaItem.objects.get(meeting=papers).person_id
    assert events.filter(person_id=person_id, actor_username="chair").count() == 1
    assert events.get(object_type="panels.panelmeeting").details["document"] == "minutes"
    sign_in("police").get(url)
    assert events.filter(actor_username="police", recipient="Northbridge Police").count() == 2


def test_document_downloads_by_persona(papers, sign_in):
    for name in ("panels:agenda-pdf", "panels:minutes-pdf"):
        url = reverse(name, args=[papers.pk])
        assert sign_in("police").get(url).status_code == 200
        assert sign_in("police").get(url + "?for=council").status_code == 403
        assert sign_in("housing").get(url).status_code == 404
        assert sign_in("analyst").get(url).status_code == 403
        assert sign_in("chair").get(url + "?for=housing").status_code == 404
    assert not AuditEvent.objects.filter(action="disclose", actor_username="housing").exists()
