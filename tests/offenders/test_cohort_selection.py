"""The selection matrix, the candidates page and the selection ledger."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine

from offenders import selectors, services
from offenders.models import (
    Cohort,
    CohortMembership,
    Offence,
    SelectionMatrix,
)
from rrcase.access.models import Agency

from .conftest import user

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 15)


def offences(person, *categories, on=date(2026, 3, 1), outcome="conviction"):
    for category in categories:
        Offence.objects.create(
            person=person,
            reference=f"O{Offence.objects.count() + 1}",
            offence_date=on,
            category=category,
            outcome=outcome,
            outcome_date=None if outcome == "pending" else on + timedelta(days=20),
        )


def test_default_matrices_exist_with_documented_weights(db):
    ppo = SelectionMatrix.objects.get(cohort=Cohort.PPO)
    assert ppo.look_back_months == 12
    assert ppo.threshold == Decimal("6")
    weights = {w.category: w.weight for w in ppo.weights.all()}
    assert weights["domestic_burglary"] == Decimal("2")
    assert weights["robbery"] == Decimal("2")
    assert weights["motoring"] == Decimal("0.5")


def test_scoring_weights_window_and_outcomes(person):
    ppo = SelectionMatrix.objects.get(cohort=Cohort.PPO)
    offences(person, "domestic_burglary", "robbery", "shoplifting")  # 2 + 2 + 1
    offences(person, "robbery", outcome="pending")  # PPO does not count pending
    offences(person, "robbery", outcome="acquitted")
    offences(person, "robbery", on=date(2025, 6, 14))  # before the 12-month window
    assert selectors.selection_score_for(ppo, person, TODAY) == Decimal("5")
    iom = SelectionMatrix.objects.get(cohort=Cohort.IOM)
    assert selectors.selection_score_for(iom, person, TODAY) == Decimal("7")  # + pending robbery


def test_candidates_are_over_threshold_visible_and_not_in_the_cohort(person, make_person):
    ppo = SelectionMatrix.objects.get(cohort=Cohort.PPO)
    low = make_person(family_name="Low")
    member = make_person(family_name="Member")
    hidden = make_person(family_name="Hidden", lead_agency=Agency.objects.get(code="police"))
    offences(person, "domestic_burglary", "robbery", "shoplifting", "vehicle_theft")  # 6.5
    offences(low, "shoplifting", "motoring")
    offences(member, "robbery", "robbery", "robbery")
    offences(hidden, "robbery", "robbery", "robbery")
    services.cohort_adopt(person=member, cohort=Cohort.PPO, start_date=date(2026, 1, 1),
                          reason="PPO", by=None)  # fmt: skip
    found = list(selectors.selection_candidates_for(user("probation"), ppo, TODAY))
    assert found == [person]
    assert found[0].selection_score == Decimal("6.5")
    breakdown = selectors.selection_breakdown(ppo, [person.pk], TODAY)[person.pk]
    assert breakdown[0] == {"category": "Domestic burglary", "count": 1,
                            "weight": Decimal("2"), "points": Decimal("2")}  # fmt: skip


def test_threshold_is_configuration(person):
    ppo = SelectionMatrix.objects.get(cohort=Cohort.PPO)
    offences(person, "shoplifting")
    assert not selectors.selection_candidates_for(user("probation"), ppo, TODAY).exists()
    ppo.threshold = Decimal("1")
    ppo.save()
    assert selectors.selection_candidates_for(user("probation"), ppo, TODAY).exists()


def test_candidates_page_and_adopt_with_reason(sign_in, person):
    offences(person, "domestic_burglary", "robbery", "robbery")
    client = sign_in("probation")
    with time_machine.travel(TODAY):
        page = client.get("/cohorts/candidates/?cohort=ppo").content.decode()
        assert "WHITFIELD, Jordan" in page
        assert "Domestic burglary: 1 × 2.00 = 2.00" in page
        url = f"/cohorts/candidates/{person.pk}/adopt/?cohort=ppo"
        missing = client.post(url, {"cohort": "ppo", "reason": ""})
        assert "Enter the reason for adopting this person" in missing.content.decode()
        done = client.post(url, {"cohort": "ppo", "reason": "Top of the matrix"})
    assert done.status_code == 302
    membership = CohortMembership.objects.get(person=person, cohort=Cohort.PPO)
    assert membership.selection_score == Decimal("6")
    assert membership.selection_reason == "Top of the matrix"


def test_candidates_page_personas(sign_in, person):
    assert sign_in("analyst").get("/cohorts/candidates/").status_code == 403
    assert sign_in("sysadmin").get("/cohorts/ledger/").status_code == 403
    # An outsider agency sees its own (empty) candidates, and 404 on adopting ours.
    body = sign_in("housing").get("/cohorts/candidates/").content.decode()
    assert "Whitfield" not in body
    adopt = f"/cohorts/candidates/{person.pk}/adopt/?cohort=ppo"
    assert sign_in("housing").post(adopt, {"reason": "x"}).status_code == 404


@pytest.mark.parametrize("people", [5, 50])
def test_candidates_query_count_is_constant(sign_in, make_person, people,
                                            django_assert_max_num_queries):  # fmt: skip
    """Guards N+1 on scores and breakdowns per candidate."""
    for n in range(people):
        p = make_person(family_name=f"C{n:03d}")
        offences(p, "robbery", "robbery", "domestic_burglary", on=TODAY - timedelta(days=30))
    client = sign_in("probation")
    with time_machine.travel(TODAY), django_assert_max_num_queries(14):
        assert client.get("/cohorts/candidates/?cohort=ppo").status_code == 200


def test_candidates_are_paged_25_at_a_time_with_page_numbers(sign_in, make_person):
    for n in range(27):
        p = make_person(family_name=f"C{n:03d}")
        offences(p, "robbery", "robbery", "domestic_burglary", on=TODAY - timedelta(days=30))
    client = sign_in("probation")
    with time_machine.travel(TODAY):
        first = client.get("/cohorts/candidates/?cohort=ppo").content.decode()
        second = client.get("/cohorts/candidates/?cohort=ppo&page=2").content.decode()
    assert "Showing 1 to 25 of 27 candidates" in first
    assert 'href="?cohort=ppo&amp;page=2" aria-label="Page 2"' in first
    assert "Showing 26 to 27 of 27 candidates" in second


def test_ledger_shows_who_joined_and_left_and_why(sign_in, person, make_person):
    other = make_person(family_name="Leaver")
    services.cohort_adopt(person=person, cohort=Cohort.IOM, start_date=date(2026, 5, 3),
                          reason="Selected at panel", strand="fixed", by=None)  # fmt: skip
    gone = services.cohort_adopt(person=other, cohort=Cohort.DIP, start_date=date(2026, 1, 3),
                                 reason="Class A", by=None)  # fmt: skip
    services.cohort_deselect(membership=gone, end_date=date(2026, 5, 20), reason="Moved away",
                             version=gone.version, by=None)  # fmt: skip
    client = sign_in("probation")
    body = client.get("/cohorts/ledger/?month=2026-05").content.decode()
    assert "WHITFIELD, Jordan" in body
    assert "Selected at panel" in body
    assert "LEAVER" in body
    assert "Moved away" in body
    only_iom = client.get("/cohorts/ledger/?month=2026-05&cohort=iom").content.decode()
    assert "Moved away" not in only_iom
    assert sign_in("housing").get("/cohorts/ledger/?month=2026-05").content.count(b"WHITFIELD") == 0


@pytest.mark.parametrize("people", [5, 50])
def test_ledger_query_count_is_constant(sign_in, make_person, people,
                                        django_assert_max_num_queries):  # fmt: skip
    for n in range(people):
        p = make_person(family_name=f"L{n:03d}")
        services.cohort_adopt(person=p, cohort=Cohort.SGV, start_date=date(2026, 5, 1),
                              reason="Gang", by=None)  # fmt: skip
    client = sign_in("probation")
    with django_assert_max_num_queries(12):
        assert client.get("/cohorts/ledger/?month=2026-05").status_code == 200
