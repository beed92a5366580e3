"""The pathways API: scoped like the pages, in the OpenAPI schema, and the
state machine's refusals as 400 / 403 / 409."""

from __future__ import annotations

import pytest
from django.urls import reverse

from pathways.models import ReferralState

from .conftest import user

pytestmark = pytest.mark.django_db


def test_referrals_are_scoped_to_the_agencies_party_to_them(sign_in, referral):
    from pathways import services

    services.referral_send(referral=referral, by=user("probation"), version=referral.version)
    url = reverse("pathways:api-referrals")
    assert [r["id"] for r in sign_in("housing").get(url).json()["results"]] == [referral.pk]
    assert sign_in("police").get(url).json()["results"] == []
    assert sign_in("analyst").get(url).status_code == 403
    detail = reverse("pathways:api-referral", args=[referral.pk])
    assert sign_in("police").get(detail).status_code == 404


def test_taking_steps_through_the_api(sign_in, referral):
    url = reverse("pathways:api-referral-transition", args=[referral.pk])
    housing = sign_in("housing")
    # Not yet sent, so housing cannot see it at all.
    assert housing.post(url, {"action": "accept", "version": 1}).status_code == 404
    probation = sign_in("probation")
    response = probation.post(url, {"action": "send", "version": 1})
    assert response.status_code == 200
    assert response.json()["state"] == ReferralState.SENT
    assert probation.post(url, {"action": "accept", "version": 2}).status_code == 403
    housing = sign_in("housing")
    assert housing.post(url, {"action": "accept", "version": 1}).status_code == 409
    refused = housing.post(url, {"action": "complete", "version": 2, "text": "x"})
    assert refused.status_code == 400
    assert "A sent referral cannot be completed" in refused.json()["detail"]
    assert housing.post(url, {"action": "accept", "version": 2}).json()["state"] == "accepted"


def test_needs_and_directory(sign_in, need, cas3):
    needs = sign_in("probation").get(reverse("pathways:api-person-needs", args=[need.person_id]))
    assert [n["need_type"] for n in needs.json()] == ["nfa"]
    assert (
        sign_in("police")
        .get(reverse("pathways:api-person-needs", args=[need.person_id]))
        .status_code
        == 404
    )
    services = sign_in("analyst").get(reverse("pathways:api-services")).json()["results"]
    assert [s["name"] for s in services] == ["CAS3 temporary accommodation"]


def test_the_api_is_in_the_openapi_schema(sign_in, borough):
    schema = sign_in("probation").get("/api/schema/?format=json").json()
    assert "/api/v1/pathways/referrals/{referral_id}/transitions/" in schema["paths"]
    assert "/api/v1/pathways/services/" in schema["paths"]
