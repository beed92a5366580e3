"""The referral state machine: every (state, step) pair, legal or not, and
the access the receiving agency has while a referral is open."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from offenders import selectors as offender_selectors
from offenders.models import Contact, Involvement, Sensitivity
from pathways import selectors, services
from pathways.models import NeedStatus, Notification, Referral, ReferralState
from pathways.services import REFERRAL_TRANSITIONS, SENDER, IllegalTransition, StaleEdit
from rrcase.access.models import SharingRule
from rrcase.audit.models import AuditEvent

from .conftest import agency, user

pytestmark = pytest.mark.django_db

# The shortest legal route into each state.
ROUTES = {
    ReferralState.DRAFT: [],
    ReferralState.SENT: ["send"],
    ReferralState.ACCEPTED: ["send", "accept"],
    ReferralState.REJECTED: ["send", "reject"],
    ReferralState.STARTED: ["send", "accept", "start"],
    ReferralState.COMPLETED: ["send", "accept", "start", "complete"],
    ReferralState.DISENGAGED: ["send", "accept", "disengage"],
    ReferralState.WITHDRAWN: ["withdraw"],
}
LEGAL = {
    (ReferralState.DRAFT, "send"): ReferralState.SENT,
    (ReferralState.DRAFT, "withdraw"): ReferralState.WITHDRAWN,
    (ReferralState.SENT, "accept"): ReferralState.ACCEPTED,
    (ReferralState.SENT, "reject"): ReferralState.REJECTED,
    (ReferralState.SENT, "withdraw"): ReferralState.WITHDRAWN,
    (ReferralState.ACCEPTED, "start"): ReferralState.STARTED,
    (ReferralState.ACCEPTED, "disengage"): ReferralState.DISENGAGED,
    (ReferralState.ACCEPTED, "withdraw"): ReferralState.WITHDRAWN,
    (ReferralState.STARTED, "complete"): ReferralState.COMPLETED,
    (ReferralState.STARTED, "disengage"): ReferralState.DISENGAGED,
    (ReferralState.STARTED, "withdraw"): ReferralState.WITHDRAWN,
}


def step(referral: Referral, action: str) -> Referral:
    actor = user("probation" if REFERRAL_TRANSITIONS[action].side == SENDER else "housing")
    return services.referral_transition(
        referral=referral, action=action, by=actor, version=referral.version, text="Because."
    )


def drive(referral: Referral, state: str) -> Referral:
    for action in ROUTES[state]:
        referral = step(referral, action)
    assert referral.state == state
    return referral


def test_the_table_is_the_machine():
    declared = {
        (source, action): t.target
        for action, t in REFERRAL_TRANSITIONS.items()
        for source in t.sources
    }
    assert declared == LEGAL


@pytest.mark.parametrize("state", list(ReferralState))
@pytest.mark.parametrize("action", list(REFERRAL_TRANSITIONS))
def test_every_step_from_every_state(referral, state, action):
    referral = drive(referral, state)
    if (state, action) in LEGAL:
        after = step(referral, action)
        assert after.state == LEGAL[(state, action)]
        assert after.events.last().to_state == after.state
    else:
        with pytest.raises(IllegalTransition) as refused:
            step(referral, action)
        assert f"A {ReferralState(state).label.lower()} referral cannot be" in str(refused.value)
        assert Referral.objects.get(pk=referral.pk).state == state


def test_rejecting_needs_a_reason_and_completion_an_outcome(referral):
    referral = step(referral, "send")
    with pytest.raises(ValueError, match="reason for rejecting"):
        services.referral_reject(referral=referral, reason=" ", by=user("housing"),
                                 version=referral.version)  # fmt: skip
    referral = step(step(referral, "accept"), "start")
    with pytest.raises(ValueError, match="outcome"):
        services.referral_complete(referral=referral, outcome="", by=user("housing"),
                                   version=referral.version)  # fmt: skip


def test_only_the_receiving_side_responds_and_only_the_sender_sends(referral):
    with pytest.raises(PermissionDenied):
        services.referral_send(referral=referral, by=user("housing"), version=referral.version)
    referral = step(referral, "send")
    with pytest.raises(PermissionDenied):
        services.referral_accept(referral=referral, by=user("probation"), version=referral.version)
    with pytest.raises(PermissionDenied):
        services.referral_accept(referral=referral, by=user("police"), version=referral.version)


def test_a_stale_or_missing_version_is_refused(referral):
    with pytest.raises(StaleEdit):
        services.referral_send(referral=referral, by=user("probation"), version=None)
    with pytest.raises(StaleEdit):
        services.referral_send(
            referral=referral, by=user("probation"), version=referral.version + 1
        )


def test_outside_organisation_referrals_are_recorded_by_the_referrer(need, outside_service):
    referral = services.referral_create(
        need=need, service=outside_service, reason="Advice", by=user("probation")
    )
    for action in ["send", "accept", "start"]:
        referral = services.referral_transition(
            referral=referral, action=action, by=user("probation"), version=referral.version
        )
    assert referral.state == ReferralState.STARTED
    assert not Involvement.objects.filter(reason="referral").exists()


@pytest.mark.parametrize("closing", [["reject"], ["accept", "start", "complete"],
                                     ["accept", "disengage"], ["accept", "withdraw"]])  # fmt: skip
def test_receiving_agency_sees_the_person_only_while_the_referral_is_open(referral, closing):
    housing = user("housing")
    assert not offender_selectors.person_list_for(housing).exists()
    referral = step(referral, "send")
    assert list(offender_selectors.person_list_for(housing)) == [referral.person]
    # A read grant: the receiving agency cannot change the person's record.
    assert not offender_selectors.person_may_change(housing, referral.person)
    grant = Involvement.objects.get(agency=agency("housing"), ended_at__isnull=True)
    assert (grant.reason, grant.source, grant.can_change) == (
        "referral", f"referral:{referral.pk}", False)  # fmt: skip
    for action in closing[:-1]:
        referral = step(referral, action)
        assert offender_selectors.person_list_for(housing).exists()
    step(referral, closing[-1])
    assert not offender_selectors.person_list_for(housing).exists()
    actions = list(AuditEvent.objects.filter(recipient=agency("housing").name)
                   .order_by("id").values_list("action", flat=True))  # fmt: skip
    assert actions == ["grant", "revoke"]


def test_closing_keeps_access_the_agency_has_for_another_reason(referral):
    from offenders import services as offender_services

    offender_services.involvement_start(
        person=referral.person, agency=agency("housing"), reason="cohort", by=None
    )
    step(step(referral, "send"), "reject")
    assert offender_selectors.person_list_for(user("housing")).exists()


def test_receiving_agency_sees_only_what_the_sharing_agreement_allows(referral, person):
    from offenders import services as offender_services
    from pathways.models import NeedType

    offender_services.contact_record(
        person=person,
        kind="note",
        occurred_on=person.created_at.date(),
        by=user("probation"),
        notes="Health note",
        sensitivity=Sensitivity.HEALTH,
    )
    mental = NeedType.objects.get(pathway__code="health", code="mental_health")
    services.need_record(person=person, need_type=mental, by=user("probation"))
    step(referral, "send")
    housing = user("housing")
    seen = offender_selectors.person_get_for(housing, person.pk)
    tab = selectors.person_tab_context(housing, seen)
    shown = {need.need_type.code for s in tab["pathway_sections"] for need in s.needs}
    assert shown == {"nfa"}
    assert not offender_selectors.contact_list_for(housing, seen).exists()
    # When the agreement lets housing see health information, it does.
    SharingRule.objects.create(agency_kind="housing", sensitivity="health")
    tab = selectors.person_tab_context(housing, seen)
    shown = {need.need_type.code for s in tab["pathway_sections"] for need in s.needs}
    assert shown == {"nfa", "mental_health"}
    assert Contact.objects.count() == 1


def test_sending_moves_the_need_in_progress_and_notifies_the_receiving_agency(referral):
    referral = step(referral, "send")
    assert referral.need.__class__.objects.get(pk=referral.need_id).status == NeedStatus.IN_PROGRESS
    assert referral.respond_by is not None
    assert (referral.respond_by - referral.sent_at).total_seconds() == 48 * 3600
    notes = Notification.objects.filter(recipient=user("housing"))
    assert [n.message for n in notes] == ["New referral: P000001 to CAS3 temporary accommodation"]
    step(referral, "accept")
    assert Notification.objects.filter(recipient=user("probation"), message__startswith=
                                       "Referral accepted").count() == 1  # fmt: skip
    assert not Notification.objects.filter(recipient=user("analyst")).exists()
