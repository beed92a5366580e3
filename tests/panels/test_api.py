"""The panels API: same scoping as the pages, one write (action transitions)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from offenders import services as offender_services
from panels import services
from panels.models import AgendaItem
from rrcase.audit.models import AuditEvent
from tests.panels.conftest import agency, in_iom, make_person, meeting_on, user

pytestmark = pytest.mark.django_db


@pytest.fixture
def running_meeting(iom):
    person = make_person(given_name="Tom", family_name="Reid")
    in_iom(person)
    person.refresh_from_db()
    offender_services.brag_change(
        person=person, status="red", reason="x", version=person.version, by=user("probation")
    )
    meeting = meeting_on(iom, timezone.localdate() + timedelta(days=1))
    services.agenda_build(meeting=meeting, by=user("chair"))
    services.meeting_start(meeting=meeting, by=user("chair"))
    item = AgendaItem.objects.get(meeting=meeting)
    services.decision_record(item=item, outcome="retain", by=user("chair"))
    action = services.action_create(
        meeting=meeting, item=item, description="Visit", owner_agency=agency("police"),
        owner_user=user("police"), due_date=meeting.date + timedelta(days=3), by=user("chair"),
    )  # fmt: skip
    return meeting, action


def test_meeting_detail_is_scoped_like_the_page(running_meeting, sign_in):
    meeting, _ = running_meeting
    url = f"/api/v1/panels/meetings/{meeting.pk}/"
    body = sign_in("police").get(url).json()
    assert body["agenda"][0]["person"]["reference"].startswith("P")
    assert body["agenda"][0]["decisions"] == [
        {"outcome": "retain", "brag_to": "", "rationale": "", "reasons_withheld": ""}
    ]
    assert body["quorum"] == {"present": 0, "required": 2, "met": False}
    assert sign_in("housing").get(url).status_code == 404
    assert sign_in("analyst").get(url).status_code == 403


def test_lists_show_only_what_the_user_may_see(running_meeting, sign_in):
    for path in ("meetings", "decisions", "actions"):
        assert sign_in("police").get(f"/api/v1/panels/{path}/").json()["count"] == 1
        assert sign_in("housing").get(f"/api/v1/panels/{path}/").json()["count"] == 0
        assert sign_in("analyst").get(f"/api/v1/panels/{path}/").json()["count"] == 0
    assert AuditEvent.objects.filter(action="consult", details__api="panel actions").exists()


def test_action_transition_checks_owner_version_and_state(running_meeting, sign_in):
    _, action = running_meeting
    url = f"/api/v1/panels/actions/{action.pk}/transition/"
    data = {"status": "done", "version": action.version}
    assert sign_in("housing").post(url, data).status_code == 404
    assert sign_in("probation").post(url, data).status_code == 403
    client = sign_in("police")
    assert client.post(url, {"status": "done", "version": 99}).status_code == 409
    response = client.post(url, data)
    assert response.status_code == 200
    assert response.json()["status"] == "done"
    again = client.post(url, {"status": "not_done", "note": "x", "version": action.version + 1})
    assert again.status_code == 400
    assert "cannot be changed" in again.json()["detail"]


def test_api_needs_the_second_factor(running_meeting, client):
    client.force_login(user("police"))
    assert client.get("/api/v1/panels/actions/").status_code == 403


def test_action_list_query_count_is_constant(running_meeting, sign_in):
    meeting, _ = running_meeting
    client = sign_in("police")

    def count() -> int:
        client.get("/api/v1/panels/actions/")  # settle per-session writes (idle clock)
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/v1/panels/actions/").status_code == 200
        return len(queries)

    small = count()
    for _ in range(8):
        person = make_person()
        in_iom(person)
        item = services.agenda_item_add(meeting=meeting, person=person, by=user("chair"))
        services.action_create(
            meeting=meeting, item=item, description="Check", owner_agency=agency("police"),
            due_date=meeting.date, by=user("chair"),
        )  # fmt: skip
    assert count() == small
