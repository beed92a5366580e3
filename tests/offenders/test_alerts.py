"""Every alert rule (DOMAIN.md "Operational rules"), with time travel: each
test fixes "today" and checks the day before, on and after each boundary."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.utils import timezone

from offenders import alerts, services
from offenders.models import (
    AccommodationStatus,
    AlertSnapshot,
    Cohort,
    Contact,
    ContactKind,
    ContactOutcome,
    CustodyStatus,
    Disposal,
    DisposalType,
    Person,
)

from .conftest import user

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 10)


def codes(person: Person, today: date) -> set[str]:
    """The person's alerts as the Overview computes them, with the clock at `today`."""
    with time_machine.travel(datetime.combine(today, time(9), tzinfo=UTC), tick=False):
        return {rule.code for rule in alerts.alerts_for(person.pk, timezone.localdate())}


def contact(person, day, kind=ContactKind.APPOINTMENT, outcome=ContactOutcome.ATTENDED):
    return Contact.objects.create(
        person=person,
        kind=kind,
        occurred_on=day,
        outcome=outcome,
        agency=person.lead_agency,
    )


def disposal(person, type_, start, **fields):
    n = Disposal.objects.count() + 1
    return Disposal.objects.create(
        person=person, reference=f"D{n}", type=type_, start_date=start, **fields
    )


def test_release_or_order_start_within_28_days(person):
    disposal(person, DisposalType.CUSTODY, date(2025, 1, 1), release_date=TODAY + timedelta(27))
    assert "release_soon" in codes(person, TODAY)
    assert "release_soon" not in codes(person, TODAY - timedelta(1))  # 28 days away: outside
    assert "release_soon" not in codes(person, TODAY + timedelta(28))  # released yesterday


def test_order_start_counts_too(person):
    disposal(person, DisposalType.COMMUNITY_ORDER, TODAY + timedelta(3))
    assert "release_soon" in codes(person, TODAY)


def test_released_without_settled_accommodation(person):
    release = TODAY - timedelta(10)
    disposal(person, DisposalType.CUSTODY, date(2025, 1, 1), release_date=release)
    licence = disposal(person, DisposalType.LICENCE, release,
                       accommodation_at_end=AccommodationStatus.NFA)  # fmt: skip
    assert "no_accommodation" in codes(person, TODAY)
    assert "no_accommodation" not in codes(person, release + timedelta(29))  # over 28 days ago
    licence.accommodation_at_end = AccommodationStatus.SETTLED
    licence.save()
    assert "no_accommodation" not in codes(person, TODAY)


def test_the_pathways_accommodation_history_decides_once_there_is_one(person):
    from pathways import services as pathway_services

    release = TODAY - timedelta(10)
    disposal(person, DisposalType.CUSTODY, date(2025, 1, 1), release_date=release)
    disposal(person, DisposalType.LICENCE, release,
             accommodation_at_end=AccommodationStatus.SETTLED)  # fmt: skip
    assert "no_accommodation" not in codes(person, TODAY)  # the licence stands in

    def record(value: str, on: date) -> None:
        pathway_services.outcome_record(person=person, kind="accommodation", value=value,
                                        recorded_on=on, by=user("probation"))  # fmt: skip

    record("nfa", release + timedelta(1))  # the history now decides: no fixed abode
    assert "no_accommodation" in codes(person, TODAY)
    # The case list's alert filter reads the same rule.
    assert alerts.people_with_alert("no_accommodation", TODAY).filter(pk=person.pk).exists()
    record("settled", TODAY - timedelta(2))
    assert "no_accommodation" not in codes(person, TODAY)
    assert not alerts.people_with_alert("no_accommodation", TODAY).filter(pk=person.pk).exists()
    assert "no_accommodation" in codes(person, TODAY - timedelta(3))  # before it was settled


def test_no_joint_home_visit_within_5_days_of_release(person):
    release = TODAY - timedelta(6)
    disposal(person, DisposalType.CUSTODY, date(2025, 1, 1), release_date=release)
    # Within the 5 days the window is still open: no alert yet.
    assert "no_joint_visit" not in codes(person, release + timedelta(5))
    assert "no_joint_visit" in codes(person, TODAY)
    visit = contact(person, release + timedelta(5), kind=ContactKind.JOINT_HOME_VISIT)
    assert "no_joint_visit" not in codes(person, TODAY)
    # A visit that did not happen does not count.
    visit.outcome = ContactOutcome.MISSED_UNACCEPTABLE
    visit.save()
    assert "no_joint_visit" in codes(person, TODAY)
    # After 28 days the release is no longer recent.
    assert "no_joint_visit" not in codes(person, release + timedelta(29))


def test_two_missed_appointments_in_the_first_month_of_an_order(person):
    start = date(2026, 1, 31)
    disposal(person, DisposalType.COMMUNITY_ORDER, start, end_date=date(2027, 1, 30))
    contact(person, date(2026, 2, 5), outcome=ContactOutcome.MISSED_UNACCEPTABLE)
    assert "missed_first_month" not in codes(person, TODAY)
    # The first month is [31 January, 28 February): 31 Jan + 1 month, clamped (DOMAIN.md).
    second = contact(person, date(2026, 2, 27), outcome=ContactOutcome.MISSED_ACCEPTABLE)
    assert "missed_first_month" in codes(person, TODAY)
    second.occurred_on = date(2026, 2, 28)
    second.save()
    assert "missed_first_month" not in codes(person, TODAY)


def test_no_attended_contact_for_3_months_in_iom(person):
    services.cohort_adopt(person=person, cohort=Cohort.IOM, start_date=date(2025, 1, 1),
                          reason="Matrix", strand="fixed", by=None)  # fmt: skip
    assert "no_contact_3m" in codes(person, TODAY)
    contact(person, date(2025, 12, 10))  # exactly 3 months before
    assert "no_contact_3m" not in codes(person, TODAY)
    assert "no_contact_3m" in codes(person, date(2026, 3, 11))
    contact(person, date(2026, 3, 1), outcome=ContactOutcome.MISSED_UNACCEPTABLE)
    assert "no_contact_3m" in codes(person, date(2026, 3, 11))  # missed is not attended
    Person.objects.filter(pk=person.pk).update(custody_status=CustodyStatus.IN_CUSTODY)
    assert "no_contact_3m" not in codes(person, date(2026, 3, 11))


def test_no_contact_rule_is_for_iom_members_only(person):
    assert "no_contact_3m" not in codes(person, TODAY)


def test_probation_reset_two_thirds_approaching_or_passed(person):
    # A 300-day licence: two-thirds at day 200.
    licence = disposal(person, DisposalType.LICENCE, date(2026, 1, 1),
                       end_date=date(2026, 1, 1) + timedelta(300))  # fmt: skip
    two_thirds = licence.two_thirds_date
    assert two_thirds == date(2026, 1, 1) + timedelta(200)
    assert "probation_reset" not in codes(person, two_thirds - timedelta(28))
    assert "probation_reset" in codes(person, two_thirds - timedelta(27))
    assert "probation_reset" in codes(person, two_thirds + timedelta(50))  # passed
    assert "probation_reset" not in codes(person, licence.end_date + timedelta(1))  # ended


def test_probation_reset_needs_a_rar_on_community_orders(person):
    order = disposal(person, DisposalType.COMMUNITY_ORDER, date(2026, 1, 1),
                     end_date=date(2026, 4, 1), has_rar=False)  # fmt: skip
    assert "probation_reset" not in codes(person, date(2026, 3, 25))
    order.has_rar = True
    order.save()
    assert "probation_reset" in codes(person, date(2026, 3, 25))


def test_probation_reset_exemptions(person, sign_in):
    from offenders import selectors

    disposal(person, DisposalType.LICENCE, date(2026, 1, 1), end_date=date(2026, 4, 1))
    assert selectors.reset_exemptions(person, []) == ()
    services.cohort_adopt(person=person, cohort=Cohort.MAPPA, start_date=date(2026, 1, 5),
                          reason="Cat 1", mappa_category=1, mappa_level=1, by=None)  # fmt: skip
    memberships = selectors.current_memberships(person, TODAY)
    assert selectors.reset_exemptions(person, memberships) == ("MAPPA",)
    person.rosh = "very_high"
    assert selectors.reset_exemptions(person, []) == ("Very high RoSH",)
    with time_machine.travel(date(2026, 3, 20)):
        body = sign_in("probation").get(f"/people/{person.pk}/").content.decode()
    assert "Exempt (MAPPA)" in body


@pytest.mark.parametrize(("level", "weeks"), [(2, 16), (3, 8)])
def test_mappa_review_overdue(person, settings, level, weeks):
    start = date(2025, 6, 2)
    services.cohort_adopt(person=person, cohort=Cohort.MAPPA, start_date=start, reason="Cat 2",
                          mappa_category=2, mappa_level=level, by=None)  # fmt: skip
    due = start + timedelta(weeks=weeks)
    assert "mappa_review" not in codes(person, due)
    assert "mappa_review" in codes(person, due + timedelta(1))
    # A later recorded review (until panels land: a BRAG change) resets the clock.
    with time_machine.travel(date(2025, 8, 1)):
        services.brag_change(person=person, status="amber", reason="MAPPA review",
                             version=person.version, by=user("probation"))  # fmt: skip
    assert "mappa_review" not in codes(person, date(2025, 8, 1) + timedelta(weeks=weeks))
    # The intervals are settings.
    settings.MAPPA_REVIEW_WEEKS = {2: 1, 3: 1}
    assert "mappa_review" in codes(person, date(2025, 8, 10))


def test_mappa_level_1_is_never_overdue(person):
    services.cohort_adopt(person=person, cohort=Cohort.MAPPA, start_date=date(2024, 1, 1),
                          reason="Cat 1", mappa_category=1, mappa_level=1, by=None)  # fmt: skip
    assert "mappa_review" not in codes(person, TODAY)


def test_two_or_more_risk_management_cohorts(person):
    services.cohort_adopt(person=person, cohort=Cohort.IOM, start_date=date(2026, 1, 1),
                          reason="Matrix", strand="flex", by=None)  # fmt: skip
    services.cohort_adopt(person=person, cohort=Cohort.PPO, start_date=date(2026, 1, 1),
                          reason="PPO", by=None)  # fmt: skip
    assert "multiple_cohorts" not in codes(person, TODAY)  # PPO is not a risk panel
    sgv = services.cohort_adopt(person=person, cohort=Cohort.SGV, start_date=date(2026, 2, 1),
                                reason="Gang", by=None)  # fmt: skip
    assert "multiple_cohorts" in codes(person, TODAY)
    assert "multiple_cohorts" not in codes(person, date(2026, 1, 31))  # before SGV started
    services.cohort_deselect(membership=sgv, end_date=date(2026, 3, 1), reason="Left gang",
                             version=sgv.version, by=None)  # fmt: skip
    assert "multiple_cohorts" not in codes(person, TODAY)


def test_alerts_filter_the_list_set_based(person, make_person):
    other = make_person()
    disposal(person, DisposalType.CUSTODY, date(2025, 1, 1), release_date=TODAY + timedelta(3))
    assert list(alerts.people_with_alert("release_soon", TODAY)) == [person]
    assert other not in alerts.people_with_alert("release_soon", TODAY)


def test_daily_snapshot_is_idempotent(person, make_person):
    from offenders.tasks import alert_snapshot

    disposal(person, DisposalType.CUSTODY, date(2025, 1, 1), release_date=TODAY + timedelta(3))
    make_person()
    with time_machine.travel(TODAY):
        first = alert_snapshot.delay().get()
        again = alert_snapshot.delay().get()
    assert first == again == 1
    snap = AlertSnapshot.objects.get()
    assert (snap.person_id, snap.code, snap.on) == (person.pk, "release_soon", TODAY)


def test_beat_schedule_runs_the_snapshot_daily(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["alert-snapshot"]
    assert entry["task"] == "offenders.tasks.alert_snapshot"
