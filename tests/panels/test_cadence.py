"""Meetings come from each panel type's cadence, idempotently."""

from __future__ import annotations

from datetime import date

import pytest

from panels import services
from panels.cadence import meeting_dates, next_meeting_date
from panels.models import PanelMeeting

pytestmark = pytest.mark.django_db


def test_monthly_second_tuesday(iom):
    dates = meeting_dates(iom, date(2026, 1, 1), date(2026, 4, 1))
    assert dates == [date(2026, 1, 13), date(2026, 2, 10), date(2026, 3, 10)]
    assert all(d.weekday() == 1 for d in dates)


def test_last_friday_and_fortnightly(iom):
    iom.weekday, iom.week_of_month = 4, -1
    assert meeting_dates(iom, date(2026, 1, 1), date(2026, 3, 1)) == [
        date(2026, 1, 30),
        date(2026, 2, 27),
    ]
    iom.frequency, iom.week_of_month, iom.weekday = "fortnightly", None, 2
    iom.cadence_starts_on = date(2026, 1, 7)
    assert meeting_dates(iom, date(2026, 1, 1), date(2026, 2, 5)) == [
        date(2026, 1, 7),
        date(2026, 1, 21),
        date(2026, 2, 4),
    ]


def test_next_meeting_date_is_strictly_after(iom):
    assert next_meeting_date(iom, date(2026, 1, 13)) == date(2026, 2, 10)
    assert next_meeting_date(iom, date(2026, 1, 12)) == date(2026, 1, 13)


def test_generating_meetings_is_idempotent_and_copies_time_and_place(iom):
    first = services.meetings_generate(panel_type=iom, start=date(2026, 1, 1), months=3)
    assert [m.date for m in first] == [date(2026, 1, 13), date(2026, 2, 10), date(2026, 3, 10)]
    again = services.meetings_generate(panel_type=iom, start=date(2026, 1, 1), months=4)
    assert [m.date for m in again] == [date(2026, 4, 14)]
    meeting = PanelMeeting.objects.get(panel_type=iom, date=date(2026, 1, 13))
    assert meeting.location == "Northbridge Civic Centre, Room 4"
    assert meeting.start_time == iom.start_time
    assert PanelMeeting.objects.filter(panel_type=iom).count() == 4


def test_a_cancelled_meeting_is_not_regenerated(iom):
    services.meetings_generate(panel_type=iom, start=date(2026, 1, 1), months=1)
    meeting = PanelMeeting.objects.get(panel_type=iom)
    from tests.panels.conftest import user

    services.meeting_cancel(meeting=meeting, by=user("chair"))
    assert services.meetings_generate(panel_type=iom, start=date(2026, 1, 1), months=1) == []


def test_the_daily_task_schedules_and_is_idempotent(iom):
    from panels.tasks import panels_daily

    panels_daily("2026-01-01")
    panels_daily("2026-01-01")
    assert list(PanelMeeting.objects.filter(panel_type=iom).values_list("date", flat=True)) == [
        date(2026, 1, 13),
        date(2026, 2, 10),
        date(2026, 3, 10),
    ]
