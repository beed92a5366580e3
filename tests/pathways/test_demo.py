"""The demo borough's pathways: referrals in every state, services full and
referrals overdue, so every page and the gap analysis show something."""

from __future__ import annotations

import pytest
from django.utils import timezone

from offenders import demo as offender_demo
from offenders.models import Involvement, Person
from pathways import demo, selectors
from pathways.models import Need, Referral, ReferralState

from .conftest import user

pytestmark = pytest.mark.django_db


def test_demo_seed_covers_every_state_and_is_idempotent(borough):
    offender_demo.seed()
    demo.seed()
    people = Person.objects.filter(reference__startswith="N").count()
    with_needs = Need.objects.values("person").distinct().count()
    assert with_needs >= people * 0.5
    states = set(Referral.objects.values_list("state", flat=True))
    assert states == set(ReferralState.values)
    assert Referral.objects.filter(state="sent", respond_by__lt=timezone.now()).exists()
    assert any(s.capacity and s.places_taken >= s.capacity for s in selectors.service_directory())
    analysis = selectors.gap_analysis()
    assert analysis.missing
    # Open referrals to another agency come with its grant, as sending does.
    open_to_housing = Referral.objects.filter(
        to_agency__code="housing", state__in=["sent", "accepted", "started"]
    )
    assert open_to_housing.exists()
    assert (
        Involvement.objects.filter(
            reason="referral", ended_at__isnull=True, agency__code="housing"
        ).count()
        == open_to_housing.count()
    )
    assert selectors.referral_inbox_for(user("housing")).count() == open_to_housing.count()

    counts = (Need.objects.count(), Referral.objects.count())
    demo.seed()
    assert (Need.objects.count(), Referral.objects.count()) == counts
