"""Access a panel gives its member agencies ends when the person leaves the
panel's remit (docs/panels.md "Grants from panels"); access held for any
other reason stays."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from offenders import services as offender_services
from offenders.models import Involvement, InvolvementReason
from offenders.selectors import person_list_for
from panels import services
from panels.tasks import panel_access_review
from rrcase.audit.models import AuditEvent
from tests.panels.conftest import agency, in_iom, make_person, meeting_on, running, user

pytestmark = pytest.mark.django_db

DAY = date(2026, 3, 10)


def sees(username: str, person) -> bool:
    return person_list_for(user(username)).filter(pk=person.pk).exists()


def discuss(meeting, *people):
    return [
        services.agenda_item_add(meeting=meeting, person=person, by=user("chair"))
        for person in people
    ]


def conclude(meeting):
    return services.meeting_conclude(meeting=meeting, by=user("chair"))


def test_access_from_a_panel_ends_when_the_person_leaves_its_remit(iom):
    """De-selected at a meeting 100 days ago: the council (on the panel only)
    loses the person; police keep them through an explicit share, probation as
    the lead agency."""
    person = make_person()
    in_iom(person)
    offender_services.involvement_start(
        person=person, agency=agency("police"), reason=InvolvementReason.SHARE, by=None
    )
    meeting = running(meeting_on(iom, DAY - timedelta(days=100)))
    (item,) = discuss(meeting, person)
    services.decision_record(item=item, outcome="deselect", by=user("chair"))
    conclude(meeting)
    assert sees("chair", person)
    assert sees("police", person)

    assert services.panel_access_review(today=DAY) == 3  # council, police, probation
    assert not sees("chair", person)
    assert sees("police", person)
    assert sees("probation", person)
    assert not Involvement.objects.filter(person=person, reason="panel", ended_at__isnull=True)
    revoked = {
        e.details["agency"]: e
        for e in AuditEvent.objects.filter(action="revoke", person_id=person.pk)
        if e.details["reason"] == "panel"
    }
    assert revoked["council"].details["agency_still_has_access"] is False
    assert revoked["police"].details["agency_still_has_access"] is True
    assert "Left the remit of IOM main panel" in revoked["council"].justification
    assert panel_access_review(on=str(DAY)) == 0  # the daily task: idempotent


def test_access_lasts_while_the_person_is_in_the_remit(iom):
    """In the panel's cohort, on a later agenda, with an open action, or
    discussed within the last 90 days: the panel's members keep access."""
    in_cohort, later, with_action, recent = (make_person() for _ in range(4))
    in_iom(in_cohort)
    old = running(meeting_on(iom, DAY - timedelta(days=100)))
    discuss(old, in_cohort, later)
    action_item = discuss(old, with_action)[0]
    action = services.action_create(
        meeting=old, item=action_item, description="Home visit", owner_agency=agency("police"),
        due_date=DAY, by=user("chair"),
    )  # fmt: skip
    conclude(old)
    discuss(meeting_on(iom, DAY + timedelta(days=20)), later)
    last_month = running(meeting_on(iom, DAY - timedelta(days=30)))
    discuss(last_month, recent)
    conclude(last_month)

    assert services.panel_access_review(today=DAY) == 0
    assert all(sees("chair", p) for p in (in_cohort, later, with_action, recent))

    services.action_done(action=action, version=action.version, by=user("police"))
    assert services.panel_access_review(today=DAY) == 3  # council, police and probation's
    assert not sees("chair", with_action)
    # 90 days after last month's meeting, and after the later one: gone too.
    assert services.panel_access_review(today=DAY + timedelta(days=111)) == 2 * 3
    assert not sees("chair", recent)
    assert not sees("chair", later)
    assert sees("chair", in_cohort)


def test_an_agency_that_leaves_the_panel_loses_the_access_it_gave(iom):
    person = make_person()
    in_iom(person)
    discuss(meeting_on(iom, DAY), person)
    assert sees("chair", person)
    iom.member_agencies.remove(agency("council"))
    assert services.panel_access_review(today=DAY) == 1
    assert not sees("chair", person)
    event = AuditEvent.objects.filter(action="revoke", person_id=person.pk).get()
    assert event.justification.endswith("no longer receives IOM main panel papers")
    iom.is_active = False  # a panel switched off gives nobody access
    iom.save()
    assert services.panel_access_review(today=DAY) == 2  # police and probation's
    assert sees("police", person)  # through the IOM cohort


def test_the_review_runs_daily_from_beat(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["panel-access-review"]
    assert entry["task"] == panel_access_review.name
