"""A chair runs a panel meeting in the browser: opens the next IOM meeting,
starts it, marks attendance, records a decision with a BRAG change and an
action, concludes it; the action's owner then sees it in "My actions"."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from offenders import services as offender_services
from offenders.models import Person
from panels import services
from panels.models import PanelAction
from tests.e2e.journeys import sign_in
from tests.panels.conftest import in_iom, iom, make_person, meeting_on, sharing, user

# Named to sort after test_pathways_referral.py: a transactional test flushes
# the database when it ends, and that journey relies on the pathways reference
# data its migration seeds still being there.
pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["iom", "sharing"]  # the panel fixtures, shared with tests/panels


def test_chair_runs_a_meeting_and_the_owner_sees_the_action(page, iom, settings):
    person = make_person(given_name="Kieran", family_name="Doyle")
    in_iom(person)
    person.refresh_from_db()
    offender_services.brag_change(
        person=person, status="red", reason="Reoffending", version=person.version,
        by=user("probation"),
    )  # fmt: skip
    meeting = meeting_on(iom, timezone.localdate() + timedelta(days=2))
    services.agenda_build(meeting=meeting, by=user("chair"))

    sign_in(page, "chair", settings.DEMO_TOTP_SECRET)
    page.get_by_role("link", name="Panels", exact=True).click()
    expect(page.get_by_role("heading", name="Panels", level=1)).to_be_visible()
    page.axe.check()

    page.get_by_role("link", name="IOM main panel").click()
    expect(page.get_by_role("heading", name="IOM main panel")).to_be_visible()
    page.axe.check()

    page.get_by_role(
        "link", name=f"{meeting.date:%A} {meeting.date.day} {meeting.date:%B %Y}"
    ).click()
    expect(page.get_by_text("Red BRAG")).to_be_visible()
    page.axe.check()

    page.get_by_role("button", name="Start the meeting").click()
    expect(page.get_by_text("Meeting started")).to_be_visible()
    expect(page.get_by_text("Not quorate")).to_be_visible()
    page.axe.check()

    page.get_by_role("link", name="Attendance").click()
    expect(
        page.get_by_role("heading", name="Attendance and declarations of interest")
    ).to_be_visible()
    page.axe.check()
    page.locator("#id_police-status_0").check()
    page.locator("#id_police-representative").fill("PC Jesse Tarrant")
    page.locator("#id_probation-status_0").check()
    page.locator("#id_council-status_1").check()
    page.locator("#id_council-declarations").fill("Knows the family")
    page.get_by_role("button", name="Save attendance").click()
    expect(page.get_by_text("Attendance saved")).to_be_visible()
    expect(page.get_by_text("Quorate", exact=True)).to_be_visible()
    page.axe.check()

    page.get_by_role("link", name="Kieran Doyle").click()
    expect(page.get_by_role("heading", name="Kieran Doyle")).to_be_visible()
    page.axe.check()

    page.get_by_label("Retain").check()
    page.get_by_label("BRAG status").select_option("amber")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    page.axe.check()
    page.get_by_label("Retain").check()
    page.get_by_label("BRAG status").select_option("amber")
    page.get_by_label("Reason for the BRAG change").fill("Engaging with the drug service")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("Decision recorded")).to_be_visible()
    expect(page.get_by_text("BRAG: Amber")).to_be_visible()
    page.axe.check()

    page.get_by_label("Action", exact=True).fill("Joint home visit this week")
    page.get_by_label("Owner agency").select_option(label="Northbridge Police")
    page.get_by_label("Owner (person)").select_option(label="Jesse Tarrant (Northbridge Police)")
    page.get_by_label("Due date").fill((meeting.date + timedelta(days=7)).isoformat())
    page.get_by_role("button", name="Add the action").click()
    expect(page.get_by_text("Action added")).to_be_visible()
    page.axe.check()

    page.get_by_role("link", name="Back to the agenda").click()
    page.get_by_role("button", name="Conclude the meeting").click()
    expect(page.get_by_text("Meeting concluded")).to_be_visible()
    page.axe.check()

    page.get_by_role("link", name="IOM main panel").first.click()
    page.get_by_role("link", name="Live tracker").click()
    expect(page.get_by_role("heading", name="Live tracker")).to_be_visible()
    expect(page.get_by_text("Kieran Doyle")).to_be_visible()
    page.axe.check()
    page.goto("/panels/overlap/")
    expect(
        page.get_by_role("heading", name="People discussed at more than one panel")
    ).to_be_visible()
    page.axe.check()

    assert Person.objects.get(pk=person.pk).brag == "amber"
    action = PanelAction.objects.get()
    assert (action.owner_user.username, action.status) == ("police", "open")

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "police", settings.DEMO_TOTP_SECRET)
    page.goto("/panels/actions/")
    expect(page.get_by_role("link", name="Joint home visit this week")).to_be_visible()
    page.axe.check()
    page.get_by_role("link", name="Joint home visit this week").click()
    page.get_by_label("Done", exact=True).check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Action updated")).to_be_visible()
    page.axe.check()
