"""Panel free text over its limit (docs/decisions.md "Free text is bounded"):
the page again with GOV.UK's error and the text as typed, a 400 naming the
field from the API, the service's own refusal; nothing saved. And a panel
decision that "changes" BRAG to the status the person already has is refused."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
import time_machine
from django.urls import reverse

from offenders import services as offender_services
from panels import services
from panels.models import AgendaItem, PanelAction, PanelDecision, PanelMeeting, UpdateRequest
from rrcase.core.text import NOTE, REASON
from tests.panels.conftest import agency, in_iom, make_person, user

pytestmark = pytest.mark.django_db

DAY = date(2026, 3, 10)


@pytest.fixture
def running_item(iom):
    with time_machine.travel(date(2026, 3, 1), tick=False):
        person = make_person(given_name="Lee", family_name="Long")
        in_iom(person)
        person.refresh_from_db()
        offender_services.brag_change(
            person=person, status="red", reason="Reoffending", version=person.version,
            by=user("probation"),
        )  # fmt: skip
        meeting = PanelMeeting.objects.create(
            panel_type=iom, date=DAY, start_time=time(10), location="Room 4"
        )
        services.agenda_item_add(meeting=meeting, person=person, by=user("chair"))
        services.update_requests_send(meeting=meeting, by=user("chair"))
        services.meeting_start(meeting=meeting, by=user("chair"))
        return AgendaItem.objects.get(meeting=meeting)


@time_machine.travel(DAY, tick=False)
def test_discussion_notes_too_long_come_back_with_the_govuk_error(running_item, sign_in):
    response = sign_in("chair").post(
        reverse("panels:item-discussion", args=[running_item.pk]),
        {"discussion": "n" * (NOTE + 1), "discussion_sensitivity": "standard", "version": 1},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert "Discussion notes must be 5,000 characters or less" in html
    assert "n" * (NOTE + 1) in html
    running_item.refresh_from_db()
    assert running_item.discussion == ""


@time_machine.travel(DAY, tick=False)
def test_general_notes_too_long_come_back_on_the_meeting_page(running_item, sign_in):
    meeting = running_item.meeting
    meeting.refresh_from_db()
    response = sign_in("chair").post(
        reverse("panels:notes", args=[meeting.pk]),
        {"notes": "g" * (NOTE + 1), "notes_sensitivity": "standard", "version": meeting.version},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert "General notes must be 5,000 characters or less" in html
    assert "g" * (NOTE + 1) in html
    meeting.refresh_from_db()
    assert meeting.notes == ""


@time_machine.travel(DAY, tick=False)
def test_decision_reasons_too_long_and_a_brag_change_to_the_same_status_are_refused(
    running_item, sign_in
):
    person = running_item.person
    person.refresh_from_db()
    client = sign_in("chair")
    url = reverse("panels:item-decision", args=[running_item.pk])
    response = client.post(url, {
        "outcome": "retain", "rationale": "r" * (REASON + 1), "brag": "",
        "person_version": person.version,
    })  # fmt: skip
    assert response.status_code == 400
    assert "Reason for the decision must be 2,000 characters or less" in response.content.decode()
    response = client.post(url, {
        "outcome": "retain", "brag": "red", "brag_reason": "Still offending",
        "person_version": person.version,
    })  # fmt: skip
    assert response.status_code == 400
    assert "The BRAG status is already Red" in response.content.decode()
    with pytest.raises(ValueError, match="already Red"):
        services.decision_record(
            item=running_item, outcome="retain", brag="red", brag_reason="Again",
            person_version=person.version, by=user("chair"),
        )  # fmt: skip
    assert not PanelDecision.objects.exists()


@time_machine.travel(DAY, tick=False)
def test_an_update_too_long_is_refused_on_the_page_and_by_the_service(running_item, sign_in):
    request = UpdateRequest.objects.get(item=running_item, agency=agency("police"))
    response = sign_in("police").post(
        reverse("panels:update", args=[request.pk]),
        {"response": "u" * (NOTE + 1), "sensitivity": "standard"},
    )
    assert response.status_code == 400
    assert "Your update must be 5,000 characters or less" in response.content.decode()
    with pytest.raises(ValueError, match="5,000 characters or less"):
        services.update_respond(request=request, response="u" * (NOTE + 1), by=user("police"))
    request.refresh_from_db()
    assert request.response == ""


@time_machine.travel(DAY, tick=False)
def test_the_action_api_refuses_a_note_too_long_with_the_field_error(running_item, sign_in):
    action = services.action_create(
        meeting=running_item.meeting, item=running_item, description="Home visit",
        owner_agency=agency("probation"), owner_user=user("probation"),
        due_date=DAY + timedelta(days=7), by=user("chair"),
    )  # fmt: skip
    response = sign_in("probation").post(
        f"/api/v1/panels/actions/{action.pk}/transition/",
        {"status": "not_done", "note": "a" * (NOTE + 1), "version": action.version},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["note"] == ["Note must be 5,000 characters or less"]
    assert PanelAction.objects.get(pk=action.pk).status == "open"
