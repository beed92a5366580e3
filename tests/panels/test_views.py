"""Every panel URL tried by each persona (STYLE.md): the chair, a member
agency's practitioner (read-only on the panel), an outsider agency (404),
an analyst (403); plus the pages' behaviour and query counts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from offenders import services as offender_services
from offenders.models import Person
from panels import services
from panels.models import AgendaItem, PanelAction, UpdateRequest
from rrcase.audit.models import AuditEvent
from tests.panels.conftest import agency, in_iom, make_person, meeting_on, user

pytestmark = pytest.mark.django_db


def red(person: Person) -> None:
    person.refresh_from_db()
    offender_services.brag_change(
        person=person, status="red", reason="Reoffending", version=person.version,
        by=user("probation"),
    )  # fmt: skip


@pytest.fixture
def world(iom):
    today = timezone.localdate()
    person = make_person(given_name="Dean", family_name="Walsh")
    in_iom(person)
    red(person)
    meeting = meeting_on(iom, today + timedelta(days=3))
    services.agenda_build(meeting=meeting, by=user("chair"))
    services.update_requests_send(meeting=meeting, by=user("chair"))
    services.meeting_start(meeting=meeting, by=user("chair"))
    item = AgendaItem.objects.get(meeting=meeting)
    action = services.action_create(
        meeting=meeting, item=item, description="Joint home visit",
        owner_agency=agency("probation"), owner_user=user("probation"),
        due_date=today + timedelta(days=10), by=user("chair"),
    )  # fmt: skip
    update = UpdateRequest.objects.get(item=item, agency=agency("police"))
    return {
        "panel": iom.pk, "meeting": meeting.pk, "item": item.pk, "action": action.pk,
        "update": update.pk, "person": person,
    }  # fmt: skip


GET_URLS = [
    ("panels:panel-type", "panel"),
    ("panels:tracker", "panel"),
    ("panels:rules", "panel"),
    ("panels:meeting", "meeting"),
    ("panels:attendance", "meeting"),
    ("panels:item", "item"),
    ("panels:action", "action"),
]
CHAIR_POSTS = [
    ("panels:generate", "panel"),
    ("panels:meeting-edit", "meeting"),
    ("panels:rules", "panel"),
    ("panels:start", "meeting"),
    ("panels:conclude", "meeting"),
    ("panels:cancel", "meeting"),
    ("panels:build-agenda", "meeting"),
    ("panels:request-updates", "meeting"),
    ("panels:add-person", "meeting"),
    ("panels:notes", "meeting"),
    ("panels:attendance", "meeting"),
    ("panels:item-discussion", "item"),
    ("panels:item-decision", "item"),
    ("panels:item-action", "item"),
]
LISTS = ["panels:list", "panels:actions", "panels:updates", "panels:overlap"]


@pytest.mark.parametrize(("name", "key"), GET_URLS)
def test_reads_by_persona(world, sign_in, name, key):
    url = reverse(name, args=[world[key]])
    assert sign_in("chair").get(url).status_code == 200
    assert sign_in("police").get(url).status_code == 200
    assert sign_in("housing").get(url).status_code == 404
    assert sign_in("analyst").get(url).status_code == 403


@pytest.mark.parametrize(("name", "key"), CHAIR_POSTS)
def test_chair_only_writes_by_persona(world, sign_in, name, key):
    url = reverse(name, args=[world[key]])
    assert sign_in("police").post(url, {}).status_code == 403
    assert sign_in("housing").post(url, {}).status_code == 404
    assert sign_in("analyst").post(url, {}).status_code == 403
    assert sign_in("chair").post(url, {}).status_code in (200, 302, 400)


def test_action_update_is_for_its_owner_agency_and_the_chair(world, sign_in):
    url = reverse("panels:action", args=[world["action"]])
    data = {"status": "done", "note": "", "version": 1}
    assert sign_in("housing").post(url, data).status_code == 404
    assert sign_in("analyst").post(url, data).status_code == 403
    assert sign_in("police").post(url, data).status_code == 403
    assert sign_in("probation").post(url, data).status_code == 302
    assert PanelAction.objects.get(pk=world["action"]).status == "done"


def test_update_request_is_answered_only_by_the_agency_asked(world, sign_in):
    url = reverse("panels:update", args=[world["update"]])
    assert sign_in("probation").get(url).status_code == 404
    assert sign_in("housing").post(url, {"response": "x"}).status_code == 404
    assert sign_in("analyst").get(url).status_code == 404
    client = sign_in("police")
    assert client.get(reverse("panels:updates")).content.decode().count("Dean Walsh") == 1
    response = client.post(url, {"response": "Arrested last week, bailed."})
    assert response.status_code == 302
    html = sign_in("chair").get(reverse("panels:item", args=[world["item"]])).content.decode()
    assert "Arrested last week, bailed." in html


@pytest.mark.parametrize("name", LISTS)
def test_list_pages_show_nothing_to_outsiders(world, sign_in, name):
    assert sign_in("chair").get(reverse(name)).status_code == 200
    for username in ("housing", "analyst"):
        response = sign_in(username).get(reverse(name) + "?view=all&status=any")
        assert response.status_code == 200
        assert "Dean Walsh" not in response.content.decode()
        assert "IOM main panel" not in response.content.decode()


def test_panels_is_in_the_service_navigation(sign_in, borough):
    html = sign_in("probation").get(reverse("core:home")).content.decode()
    assert f'href="{reverse("panels:list")}"' in html


def test_chair_runs_an_item_through_the_pages(world, sign_in):
    client = sign_in("chair")
    person = world["person"]
    person.refresh_from_db()
    item_url = reverse("panels:item", args=[world["item"]])
    response = client.post(
        reverse("panels:item-decision", args=[world["item"]]),
        {"outcome": "retain", "brag": "amber", "brag_reason": "", "person_version": person.version},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert "Give the reason for the BRAG change" in html
    response = client.post(
        reverse("panels:item-decision", args=[world["item"]]),
        {
            "outcome": "retain", "brag": "amber", "brag_reason": "Engaging with drug service",
            "person_version": person.version,
        },
    )  # fmt: skip
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.brag == "amber"
    response = client.post(
        reverse("panels:item-decision", args=[world["item"]]),
        {"outcome": "no_change", "brag": "red", "brag_reason": "x", "person_version": 1},
    )
    assert "Someone else changed this record" in response.content.decode()
    response = client.post(
        reverse("panels:item-action", args=[world["item"]]),
        {
            "description": "Refer to housing options", "owner_agency": agency("police").pk,
            "owner_user": user("police").pk, "due_date": "2030-01-31",
        },
    )  # fmt: skip
    assert response.status_code == 302
    html = client.get(item_url).content.decode()
    assert "Refer to housing options" in html
    assert "31 January 2030" in html


def test_refused_writes_come_back_as_the_forms_error_summary(world, sign_in):
    """Stale versions on the item's notes and on closing an action: the page
    again (400) with GOV.UK's error summary, nothing saved."""
    client = sign_in("chair")
    response = client.post(reverse("panels:item-discussion", args=[world["item"]]),
                           {"discussion": "Doing well", "version": 7})  # fmt: skip
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert "Someone else changed these notes" in html
    response = sign_in("probation").post(
        reverse("panels:action", args=[world["action"]]),
        {"status": "done", "note": "", "version": 7},
    )
    assert response.status_code == 400
    assert "Someone else changed this action" in response.content.decode()
    assert AgendaItem.objects.get(pk=world["item"]).discussion == ""
    assert PanelAction.objects.get(pk=world["action"]).status == "open"


def test_illegal_transition_shows_a_clear_message(world, sign_in):
    client = sign_in("chair")
    response = client.post(reverse("panels:start", args=[world["meeting"]]), follow=True)
    assert "This meeting is in progress: it cannot be changed to in progress" in (
        response.content.decode()
    )


def test_attendance_form_records_quorum(world, sign_in):
    client = sign_in("chair")
    url = reverse("panels:attendance", args=[world["meeting"]])
    response = client.post(url, {"police-status": "present"})
    assert response.status_code == 400
    assert "Select whether the agency attended" in response.content.decode()
    response = client.post(
        url,
        {
            "police-status": "present", "police-representative": "PC Tarrant",
            "probation-status": "present", "council-status": "apologies",
            "council-declarations": "",
        },
    )  # fmt: skip
    assert response.status_code == 302
    html = client.get(reverse("panels:meeting", args=[world["meeting"]])).content.decode()
    assert "2 of 2 member agencies needed are present" in html
    assert "Quorate" in html


def test_viewing_an_item_is_an_audited_consultation(world, sign_in):
    sign_in("police").get(reverse("panels:item", args=[world["item"]]))
    assert AuditEvent.objects.filter(
        action="consult", actor_username="police", person_id=world["person"].pk
    ).exists()


def test_person_tab_context_shows_history_and_open_actions(world):
    from panels.selectors import person_tab_context

    context = person_tab_context(user("police"), world["person"])
    assert [i.pk for i in context["panel_items"]] == [world["item"]]
    assert [a.pk for a in context["panel_open_actions"]] == [world["action"]]
    assert person_tab_context(user("housing"), world["person"])["panel_items"] == []


def _grow(iom, meeting, n: int) -> None:
    for _ in range(n):
        person = make_person()
        in_iom(person)
        item = services.agenda_item_add(meeting=meeting, person=person, by=user("chair"))
        services.action_create(
            meeting=meeting, item=item, description="Check in",
            owner_agency=agency("council"), owner_user=user("chair"),
            due_date=meeting.date + timedelta(days=5), by=user("chair"),
        )  # fmt: skip


def _count(client, url: str) -> int:
    client.get(url)  # settle per-session writes (the idle clock starts on the first page)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_meeting_and_tracker_query_counts_do_not_grow_with_rows(world, iom, sign_in):
    """Guards the N+1s on the agenda (reasons, decisions, actions, updates,
    overlap per item) and the tracker (panel, person, owner per action)."""
    from panels.models import PanelMeeting

    meeting = PanelMeeting.objects.get(pk=world["meeting"])
    client = sign_in("chair")
    meeting_url = reverse("panels:meeting", args=[meeting.pk])
    tracker_url = reverse("panels:actions") + "?view=agency&status=any"
    _grow(iom, meeting, 2)
    small = (_count(client, meeting_url), _count(client, tracker_url))
    _grow(iom, meeting, 12)
    large = (_count(client, meeting_url), _count(client, tracker_url))
    assert large == small
    assert "Showing 1 to 14 of 14 actions" in client.get(tracker_url).content.decode()


def test_generated_meetings_appear_on_the_panel_page(iom, sign_in):
    client = sign_in("chair")
    response = client.post(reverse("panels:generate", args=[iom.pk]), follow=True)
    assert "meetings added for the next three months" in response.content.decode()
    assert iom.meetings.filter(date__gte=date.today()).count() >= 3  # noqa: DTZ011


def test_live_tracker_shows_the_cohort_with_actions(world, iom, sign_in):
    url = reverse("panels:tracker", args=[world["panel"]])
    assert sign_in("housing").get(url).status_code == 404
    assert sign_in("analyst").get(url).status_code == 403
    html = sign_in("police").get(url).content.decode()
    assert "Dean Walsh" in html
    assert "BRAG: Red" in html
    assert "Showing 1 to 1 of 1 person" in html
    seen = AuditEvent.objects.filter(details__object="panels.tracker").latest("id")
    assert seen.actor_username == "police"
    assert len(seen.details["people"]) == 1
    assert "Nobody you can see" in sign_in("police").get(url + "?brag=green").content.decode()


def test_live_tracker_query_count_does_not_grow(world, iom, sign_in):
    """Guards N+1s over people (last discussed, next meeting, action counts)."""
    from panels.models import PanelMeeting

    meeting = PanelMeeting.objects.get(pk=world["meeting"])
    client = sign_in("chair")
    url = reverse("panels:tracker", args=[iom.pk])
    _grow(iom, meeting, 2)
    small = _count(client, url)
    _grow(iom, meeting, 10)
    assert _count(client, url) == small


def test_overlap_page_names_the_lead_panel(world, iom, sign_in):
    from tests.panels.conftest import meeting_on as make_meeting

    other = iom.__class__.objects.create(
        code="sgv", name="SGV panel", cadence_starts_on=date(2025, 1, 1),
        start_time=iom.start_time, cohorts=["sgv"], lead_priority=5, quorum=1,
    )  # fmt: skip
    other.member_agencies.set([agency("police"), agency("council")])
    sgv_meeting = make_meeting(other, timezone.localdate() + timedelta(days=10))
    services.agenda_item_add(meeting=sgv_meeting, person=world["person"], by=user("chair"))
    html = sign_in("police").get(reverse("panels:overlap")).content.decode()
    assert "Dean Walsh" in html
    assert "IOM main panel, SGV panel" in html or "SGV panel, IOM main panel" in html
    assert '<strong class="govuk-tag govuk-tag--purple">SGV panel</strong>' in html
    assert "Joint home visit" in html
    assert "Dean Walsh" not in sign_in("housing").get(reverse("panels:overlap")).content.decode()


def test_chair_changes_a_scheduled_meetings_place(iom, sign_in):
    meeting = meeting_on(iom, timezone.localdate() + timedelta(days=20))
    client = sign_in("chair")
    url = reverse("panels:meeting-edit", args=[meeting.pk])
    assert sign_in("police").get(url).status_code == 403
    client = sign_in("chair")
    assert client.get(url).status_code == 200
    response = client.post(url, {"start_time": "14:30", "location": "", "online_link": "",
                                 "version": meeting.version})  # fmt: skip
    assert response.status_code == 400
    assert "Enter a place or an online meeting link" in response.content.decode()
    response = client.post(url, {"start_time": "14:30", "location": "Town Hall",
                                 "online_link": "", "version": meeting.version})  # fmt: skip
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.location, f"{meeting.start_time:%H:%M}") == ("Town Hall", "14:30")
    response = client.post(url, {"start_time": "15:00", "location": "Elsewhere",
                                 "online_link": "", "version": 1})  # fmt: skip
    assert "Someone else changed this meeting" in response.content.decode()
