"""The daily loop in a browser: an officer books an appointment from the
person page, finds it in the diary, time passes (the clock is frozen and
moved), the appointment appears in "outcomes to log", the officer logs an
unacceptable absence, and the alert and the enforcement prompt appear. axe
checks every page on the way."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from playwright.sync_api import expect

from offenders import services
from offenders.models import ContactKind, ContactOutcome, Disposal, DisposalType
from rrcase.access.models import Agency
from tests.e2e.journeys import sign_in
from tests.offenders.conftest import user

pytestmark = pytest.mark.django_db(transaction=True)

# Monday 7 December 2026, 09:00 in London.
MONDAY = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def test_book_see_in_diary_log_outcome_and_the_alert_appears(page, borough, settings):
    with time_machine.travel(MONDAY, tick=False) as clock:
        person = services.person_create(
            reference="N100021",
            given_name="Tariq",
            family_name="Holloway",
            date_of_birth=date(1994, 2, 11),
            lead_agency=Agency.objects.get(code="probation"),
            by=None,
        )
        # A community order from last Friday, and one missed appointment already.
        Disposal.objects.create(
            person=person,
            reference="D-E2E-1",
            type=DisposalType.COMMUNITY_ORDER,
            start_date=date(2026, 12, 4),
            end_date=date(2027, 12, 3),
        )
        services.contact_record(
            person=person,
            kind=ContactKind.APPOINTMENT,
            occurred_on=date(2026, 12, 4),
            outcome=ContactOutcome.MISSED_UNACCEPTABLE,
            by=user("probation"),
        )

        sign_in(page, "probation", settings.DEMO_TOTP_SECRET)
        page.goto(f"/people/{person.pk}/")
        page.axe.check()
        alerts = page.locator("[data-alert-code='missed_first_month']")
        expect(alerts).to_have_count(0)

        # Book: first with the end before the start, then properly.
        page.get_by_role("link", name="Book an appointment").click()
        expect(page.get_by_role("heading", name="Book an appointment")).to_be_visible()
        page.axe.check()
        page.get_by_label("Appointment", exact=True).check()
        page.get_by_label("Day").fill("7")
        page.get_by_label("Month").fill("12")
        page.get_by_label("Year").fill("2026")
        page.get_by_label("Start time").fill("09:15")
        page.get_by_label("End time").fill("09:00")
        page.get_by_label("Place").fill("Northbridge Probation Office, room 3")
        page.get_by_role("button", name="Book appointment").click()
        expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
        error = "The end time must be after the start time"
        expect(page.get_by_role("link", name=error)).to_be_visible()
        page.axe.check()
        page.get_by_label("End time").fill("10:00")
        page.get_by_role("button", name="Book appointment").click()
        expect(page.get_by_text("Appointment booked for 7 December 2026 at 09:15")).to_be_visible()
        page.axe.check()

        # In the diary, today.
        page.get_by_role("link", name="Diary", exact=True).click()
        expect(page.get_by_role("heading", name="Monday 7 December 2026")).to_be_visible()
        row = page.get_by_role("row").filter(has_text="Tariq Holloway")
        expect(row).to_contain_text("09:15 to 10:00")
        expect(row).to_contain_text("Booked")
        page.axe.check()
        page.get_by_role("link", name="Show the week").click()
        expect(page.get_by_role("heading", name="7 December to 13 December 2026")).to_be_visible()
        page.axe.check()
        page.get_by_role("link", name="Next week").click()
        expect(page.get_by_text("No appointments")).to_have_count(7)
        page.axe.check()

        # Time passes: 20 minutes on, the appointment has started (and the
        # session is inside its 30-minute idle timeout).
        clock.move_to(datetime(2026, 12, 7, 9, 20, tzinfo=UTC))
        page.goto("/diary/")
        expect(page.get_by_role("link", name="1 outcome to log")).to_be_visible()
        page.axe.check()
        page.get_by_role("link", name="1 outcome to log").click()
        expect(page.get_by_role("heading", name="Outcomes to log")).to_be_visible()
        page.axe.check()
        page.get_by_role("link", name="Record the outcome").click()
        expect(page.get_by_role("heading", name="Record the outcome")).to_be_visible()
        page.axe.check()
        page.get_by_label("Unacceptable absence").check()
        page.get_by_label("Notes (optional)").fill("No answer on the phone.")
        page.get_by_role("button", name="Record outcome").click()
        expect(page.get_by_text("Outcome recorded: Unacceptable absence")).to_be_visible()
        prompt = "2 unacceptable absences in 12 months: consider enforcement"
        expect(page.get_by_text(prompt)).to_be_visible()
        page.axe.check()

        # The prompt leads to a prefilled enforcement form.
        page.get_by_role("link", name="Record enforcement").click()
        expect(page.get_by_label("Warning letter")).to_be_checked()
        expect(page.get_by_label("Notes")).to_have_value(
            "Unacceptable absences in the last 12 months: 4 December 2026, 7 December 2026."
        )
        page.axe.check()

        # The alert on the person page.
        page.goto(f"/people/{person.pk}/")
        expect(page.locator("[data-alert-code='missed_first_month']")).to_have_count(1)
        page.axe.check()


def test_calendar_feed_and_team_diary_pages_pass_axe(page, borough, settings):
    with time_machine.travel(MONDAY, tick=False):
        sign_in(page, "probation-admin", settings.DEMO_TOTP_SECRET)
        page.goto("/diary/team/week/")
        expect(page.get_by_role("heading", name="7 December to 13 December 2026")).to_be_visible()
        page.axe.check()
        page.goto("/diary/calendar-feed/")
        page.axe.check()
        page.get_by_role("button", name="Make my calendar feed").click()
        expect(page.get_by_label("Your private calendar address")).to_be_visible()
        page.axe.check()
        page.get_by_role("button", name="Switch off my feed").click()
        expect(page.get_by_text("Your calendar feed is switched off")).to_be_visible()
        page.axe.check()
        page.goto("/diary/book/")
        page.axe.check()
