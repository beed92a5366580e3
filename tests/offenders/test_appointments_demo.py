"""The demo borough's diary: every practitioner has a week of appointments,
some past ones wait for an outcome, and seeding again adds nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine

from offenders import appointments_demo, demo
from offenders import appointments_selectors as diary
from offenders.models import Appointment, AppointmentStatus

from .conftest import user

pytestmark = pytest.mark.django_db


def test_each_practitioner_has_a_living_diary_and_seeding_is_idempotent(borough):
    # Wednesday 9 December 2026, 12:30.
    with time_machine.travel(datetime(2026, 12, 9, 12, 30, tzinfo=UTC), tick=False):
        demo.seed()
        appointments_demo.seed()
        count = Appointment.objects.count()
        for username in ("probation", "probation2", "police"):
            officer = user(username)
            week = diary.diary_for(officer, start=date(2026, 12, 7), days=7)
            assert len(week) >= 15, username
            assert diary.outcomes_to_log_for(officer).count == appointments_demo.UNLOGGED
            assert diary.upcoming_for(officer, days=7).count > 0
        done = Appointment.objects.filter(status=AppointmentStatus.DONE)
        assert done.exists()
        assert all(a.contact_id for a in done)
        appointments_demo.seed()
        assert Appointment.objects.count() == count
