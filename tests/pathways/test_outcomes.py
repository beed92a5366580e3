"""Outcome histories: what a person's situation was on a day, and how the
latest outcome on or before a disposal's end feeds NI 143 / 144."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from offenders import services as offender_services
from offenders.models import Disposal, DisposalType
from pathways import selectors, services
from pathways.models import OutcomeKind
from rrcase.audit.models import AuditEvent

from .conftest import user

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def record(person, kind, value, days_ago):
    return services.outcome_record(person=person, kind=kind, value=value,
                                   recorded_on=TODAY - timedelta(days=days_ago),
                                   by=user("probation"))  # fmt: skip


def licence(person, *, ended_days_ago, reference="D-1"):
    return Disposal.objects.create(
        person=person, reference=reference, type=DisposalType.LICENCE,
        supervised_by_probation=True, start_date=TODAY - timedelta(days=400),
        terminated_date=TODAY - timedelta(days=ended_days_ago) if ended_days_ago is not None
        else None,
    )  # fmt: skip


def test_latest_outcome_on_or_before_the_end_sets_accommodation_and_employment(person):
    disposal = licence(person, ended_days_ago=30)
    record(person, OutcomeKind.ACCOMMODATION, "nfa", 200)
    record(person, OutcomeKind.ACCOMMODATION, "temporary", 100)
    record(person, OutcomeKind.ETE, "employed", 90)
    disposal.refresh_from_db()
    assert (disposal.accommodation_at_end, disposal.employment_at_end) == ("unsettled", "employed")
    # A later fact does not rewrite what was true at the end.
    record(person, OutcomeKind.ACCOMMODATION, "settled", 10)
    disposal.refresh_from_db()
    assert disposal.accommodation_at_end == "unsettled"
    # A fact dated before the end, recorded late, does.
    record(person, OutcomeKind.ACCOMMODATION, "settled", 40)
    disposal.refresh_from_db()
    assert disposal.accommodation_at_end == "settled"
    assert disposal.version == 5  # four changes: nfa, temporary, employed, settled
    changes = AuditEvent.objects.filter(object_type="offenders.disposal", action="alter")
    assert changes.count() == 4


@pytest.mark.parametrize(
    ("value", "at_end"),
    [("settled", "settled"), ("temporary", "unsettled"), ("nfa", "nfa"), ("in_custody", "unknown")],
)
def test_accommodation_mapping(person, value, at_end):
    disposal = licence(person, ended_days_ago=1)
    record(person, OutcomeKind.ACCOMMODATION, value, 5)
    disposal.refresh_from_db()
    assert disposal.accommodation_at_end == at_end


@pytest.mark.parametrize(
    ("value", "at_end"),
    [("employed", "employed"), ("education_training", "unemployed"),
     ("unemployed", "unemployed"), ("unavailable", "unavailable")],
)  # fmt: skip
def test_employment_mapping(person, value, at_end):
    disposal = licence(person, ended_days_ago=1)
    record(person, OutcomeKind.ETE, value, 5)
    disposal.refresh_from_db()
    assert disposal.employment_at_end == at_end


def test_without_outcomes_the_imported_status_stays_and_open_disposals_are_untouched(person):
    ended = licence(person, ended_days_ago=30)
    Disposal.objects.filter(pk=ended.pk).update(accommodation_at_end="settled")
    running = licence(person, ended_days_ago=None, reference="D-2")
    record(person, OutcomeKind.ETE, "employed", 5)  # after the end: not used
    record(person, OutcomeKind.TREATMENT, "seen_48h", 50)
    ended.refresh_from_db()
    running.refresh_from_db()
    assert (ended.accommodation_at_end, ended.employment_at_end) == ("settled", "unknown")
    assert (running.accommodation_at_end, running.version) == ("unknown", 1)


def test_terminating_a_disposal_later_takes_the_outcomes_already_recorded(person):
    disposal = licence(person, ended_days_ago=None)
    record(person, OutcomeKind.ACCOMMODATION, "settled", 20)
    Disposal.objects.filter(pk=disposal.pk).update(terminated_date=TODAY - timedelta(days=2))
    disposal.refresh_from_db()
    offender_services.disposal_end_outcomes_record(disposal=disposal, by=None)
    disposal.refresh_from_db()
    assert disposal.accommodation_at_end == "settled"


def test_accommodation_status_on_a_day(person, borough):
    other = offender_services.person_create(
        reference="P000002", given_name="B", family_name="C", date_of_birth=date(1990, 1, 1),
        lead_agency=person.lead_agency, by=None,
    )  # fmt: skip
    record(person, OutcomeKind.ACCOMMODATION, "nfa", 40)
    record(person, OutcomeKind.ACCOMMODATION, "settled", 10)
    record(other, OutcomeKind.ACCOMMODATION, "temporary", 20)
    assert selectors.accommodation_status_on([person.pk, other.pk], TODAY) == {
        person.pk: "settled", other.pk: "temporary"}  # fmt: skip
    assert selectors.accommodation_status_on([person.pk, other.pk], TODAY - timedelta(days=30)) == {
        person.pk: "nfa"}  # fmt: skip


def test_accommodation_status_is_one_query(person, django_assert_num_queries):
    record(person, OutcomeKind.ACCOMMODATION, "nfa", 40)
    with django_assert_num_queries(1):
        selectors.accommodation_status_on([person.pk], TODAY)


def test_future_dates_and_unknown_values_are_refused(person):
    with pytest.raises(ValueError, match="future"):
        record(person, OutcomeKind.ACCOMMODATION, "settled", -1)
    with pytest.raises(ValueError, match="not a accommodation outcome"):
        record(person, OutcomeKind.ACCOMMODATION, "employed", 1)
