"""Every pathways URL tried by every persona (STYLE.md): outsiders get 404,
read-only users 403 on writes, analysts 403 on anything about people; and
the journeys the pages exist for."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from offenders.models import Disposal, DisposalType
from pathways import services
from pathways.models import Need, NeedStatus, Outcome, Referral, ReferralState
from rrcase.audit.models import AuditEvent

from .conftest import user

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(referral):
    return services.referral_send(referral=referral, by=user("probation"), version=referral.version)


def urls(person, need, referral):
    p, n, r = person.pk, need.pk, referral.pk
    return {
        # name: (url, is_write, kind)
        "plan": (reverse("pathways:plan", args=[p]), False, "person"),
        "need-add": (reverse("pathways:need-add", args=[p]), True, "person"),
        "need": (reverse("pathways:need", args=[p, n]), False, "person"),
        "need-note-add": (reverse("pathways:need-note-add", args=[p, n]), True, "person"),
        "referral-add": (reverse("pathways:referral-add", args=[p, n]), True, "person"),
        "assess": (reverse("pathways:assess", args=[p, "accommodation"]), True, "person"),
        "outcome-add": (reverse("pathways:outcome-add", args=[p]), True, "person"),
        "referral": (reverse("pathways:referral", args=[r]), False, "referral"),
        "referral-withdraw": (
            reverse("pathways:referral-action", args=[r, "withdraw"]),
            True,
            "referral",
        ),
    }


OUTSIDERS = ["police", "chair"]
POST_ONLY = {"need-note-add"}


def get_or_post(client, name, url):
    return client.post(url, {}) if name in POST_ONLY else client.get(url)


@pytest.mark.parametrize("username", OUTSIDERS)
def test_outsider_agency_gets_404_on_every_person_url(sign_in, sent, username):
    client = sign_in(username)
    for name, (url, _, _) in urls(sent.person, sent.need, sent).items():
        assert get_or_post(client, name, url).status_code == 404, name


def test_analyst_gets_403_on_every_person_and_referral_url(sign_in, sent):
    client = sign_in("analyst")
    for name, (url, _, _) in urls(sent.person, sent.need, sent).items():
        assert get_or_post(client, name, url).status_code == 403, name
    for name in ["pathways:inbox", "pathways:referrals"]:
        assert client.get(reverse(name)).status_code == 403, name
    # Aggregates and the directory have no personal data: analysts use them.
    assert client.get(reverse("pathways:gaps")).status_code == 200
    assert client.get(reverse("pathways:services")).status_code == 200


def test_read_only_role_reads_but_gets_403_on_writes(sign_in, sent):
    client = sign_in("probation-admin")
    for name, (url, is_write, _) in urls(sent.person, sent.need, sent).items():
        response = get_or_post(client, name, url)
        assert response.status_code == (403 if is_write else 200), name
        if is_write:
            assert client.post(url, {"text": "x", "version": 1}).status_code == 403, name


def test_receiving_partner_reads_the_person_but_cannot_change_the_plan(sign_in, sent):
    client = sign_in("housing")
    for name, (url, is_write, kind) in urls(sent.person, sent.need, sent).items():
        if kind == "referral":
            continue
        response = get_or_post(client, name, url)
        assert response.status_code == (403 if is_write else 200), name
    # Withdrawing is the referrer's step, not the receiver's.
    withdraw = reverse("pathways:referral-action", args=[sent.pk, "withdraw"])
    assert client.post(withdraw, {"text": "no", "version": sent.version}).status_code == 403
    assert Referral.objects.get(pk=sent.pk).state == ReferralState.SENT


def test_lead_practitioner_opens_every_page(sign_in, sent):
    client = sign_in("probation")
    for name, (url, _, _) in urls(sent.person, sent.need, sent).items():
        if name == "need-note-add":
            continue  # POST only
        assert client.get(url).status_code == 200, name
    for name in ["pathways:inbox", "pathways:referrals", "pathways:services", "pathways:gaps",
                 "pathways:notifications"]:  # fmt: skip
        assert client.get(reverse(name)).status_code == 200, name


def test_practitioner_records_a_need_with_errors_first(sign_in, person, nfa):
    client = sign_in("probation")
    url = reverse("pathways:need-add", args=[person.pk])
    response = client.post(url, {"status": "not_started", "responsibility": "community"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert "Choose the need" in html
    data = {"need_type": nfa.pk, "status": "not_started", "responsibility": "community"}
    response = client.post(url, {**data, "note": "Sofa surfing"})
    assert response.status_code == 302
    need = Need.objects.get(person=person)
    assert need.need_type == nfa
    assert need.notes.get().text == "Sofa surfing"
    plan = client.get(reverse("pathways:plan", args=[person.pk])).content.decode()
    assert "No fixed abode" in plan
    assert "OFFICIAL-SENSITIVE" in plan


def test_refer_send_accept_from_the_inbox_and_see_it_on_the_plan(sign_in, need, cas3):
    client = sign_in("probation")
    response = client.post(
        reverse("pathways:referral-add", args=[need.person_id, need.pk]),
        {"service": cas3.pk, "reason": "Released today, nowhere to stay", "send": "1"},
    )
    referral = Referral.objects.get()
    assert response["Location"] == reverse("pathways:referral", args=[referral.pk])
    assert referral.state == ReferralState.SENT

    housing = sign_in("housing")
    inbox = housing.get(reverse("pathways:inbox")).content.decode()
    assert "Dale Testperson" in inbox
    assert "CAS3 temporary accommodation" in inbox
    assert "Overdue" not in inbox
    # Seeing the person on the inbox is a consultation, recorded with who it was.
    seen = AuditEvent.objects.filter(details__object="pathways.inbox").latest("id")
    assert (seen.actor_username, seen.details["people"]) == ("housing", [need.person_id])
    page = housing.get(reverse("pathways:referral", args=[referral.pk])).content.decode()
    assert "Accept referral" in page
    assert "Withdraw referral" not in page
    accept = reverse("pathways:referral-action", args=[referral.pk, "accept"])
    assert housing.post(accept, {"version": referral.version}).status_code == 302
    assert Referral.objects.get().state == ReferralState.ACCEPTED
    notes = housing.get(reverse("pathways:notifications")).content.decode()
    assert "New referral: P000001 to CAS3 temporary accommodation" in notes

    client = sign_in("probation")
    plan = client.get(reverse("pathways:plan", args=[need.person_id])).content.decode()
    assert "Accepted" in plan


def test_an_illegal_step_is_refused_with_a_clear_message(sign_in, sent):
    client = sign_in("housing")
    url = reverse("pathways:referral-action", args=[sent.pk, "complete"])
    response = client.post(url, {"version": sent.version, "text": "Done"})
    assert response.status_code == 400
    assert "A sent referral cannot be completed" in response.content.decode()
    assert Referral.objects.get(pk=sent.pk).state == ReferralState.SENT


def test_a_stale_version_shows_someone_else_changed_this(sign_in, sent):
    client = sign_in("housing")
    url = reverse("pathways:referral-action", args=[sent.pk, "accept"])
    response = client.post(url, {"version": sent.version - 1})
    assert response.status_code == 409
    assert "Someone else changed this" in response.content.decode()
    # A missing version is refused too.
    assert client.post(url, {}).status_code == 409


def test_inbox_flags_referrals_past_the_response_target(sign_in, sent):
    with time_machine.travel(timezone.now() + timedelta(hours=49)):
        client = sign_in("housing")
        inbox = client.get(reverse("pathways:inbox")).content.decode()
        assert "Overdue" in inbox


def test_inbox_shows_only_referrals_to_my_agency(sign_in, sent, need, outside_service):
    services.referral_create(need=need, service=outside_service, reason="Advice",
                             by=user("probation"))  # fmt: skip
    probation_inbox = sign_in("probation").get(reverse("pathways:inbox")).content.decode()
    assert "Dale Testperson" not in probation_inbox
    housing_inbox = sign_in("housing").get(reverse("pathways:inbox")).content.decode()
    assert housing_inbox.count("Dale Testperson") == 1


def test_recording_an_outcome_feeds_a_terminated_disposals_accommodation(sign_in, person):
    today = timezone.localdate()
    disposal = Disposal.objects.create(
        person=person, reference="D-1", type=DisposalType.LICENCE, supervised_by_probation=True,
        start_date=today - timedelta(days=200), terminated_date=today - timedelta(days=10),
    )  # fmt: skip
    client = sign_in("probation")
    url = reverse("pathways:outcome-add", args=[person.pk])
    day = today - timedelta(days=30)
    response = client.post(url, {"outcome": "accommodation:settled",
                                 "recorded_on": f"{day.day} {day.month} {day.year}"})  # fmt: skip
    assert response.status_code == 302
    disposal.refresh_from_db()
    assert disposal.accommodation_at_end == "settled"
    assert disposal.employment_at_end == "unknown"
    assert Outcome.objects.get().recorded_on == day


def test_need_status_change_goes_into_the_history(sign_in, need):
    client = sign_in("probation")
    url = reverse("pathways:need", args=[need.person_id, need.pk])
    response = client.post(url, {"version": need.version, "status": "met",
                                 "responsibility": "community", "note": "Moved in"})  # fmt: skip
    assert response.status_code == 302
    need.refresh_from_db()
    assert need.status == NeedStatus.MET
    assert [n.text for n in need.notes.all()] == ["Moved in", "Need recorded."]


def test_housing_completes_with_the_persons_accommodation_and_probation_sees_it(sign_in, sent):
    referral = services.referral_accept(referral=sent, by=user("housing"), version=sent.version)
    referral = services.referral_start(referral=referral, by=user("housing"),
                                       version=referral.version)  # fmt: skip
    housing = sign_in("housing")
    url = reverse("pathways:referral-action", args=[referral.pk, "complete"])
    form = housing.get(url).content.decode()
    assert "Their accommodation now" in form
    response = housing.post(url, {"version": referral.version, "text": "Moved on to a flat",
                                  "situation": "settled"})  # fmt: skip
    # The receiving agency's access ends with the referral: back to its inbox.
    assert response["Location"] == reverse("pathways:inbox")
    assert housing.get(reverse("pathways:plan", args=[sent.person_id])).status_code == 404
    outcome = Outcome.objects.get()
    assert (outcome.kind, outcome.value, outcome.referral_id) == ("accommodation", "settled",
                                                                  referral.pk)  # fmt: skip
    plan = sign_in("probation").get(reverse("pathways:plan", args=[sent.person_id]))
    html = plan.content.decode()
    assert "Settled" in html
    assert "Completed" in html


def test_notifications_page_lists_and_marks_read(sign_in, sent):
    from pathways.models import Notification

    services.referral_accept(referral=sent, by=user("housing"), version=sent.version)
    client = sign_in("housing")
    html = client.get(reverse("pathways:notifications")).content.decode()
    assert "New referral: P000001 to CAS3 temporary accommodation" in html
    assert "govuk-tag--blue" in html  # unread
    assert client.post(reverse("pathways:notifications")).status_code == 302
    html = client.get(reverse("pathways:notifications")).content.decode()
    assert "govuk-tag--blue" not in html
    # Only the user's own are marked: probation's "accepted" stays unread.
    unread = Notification.objects.filter(read_at__isnull=True)
    assert sorted(n.recipient.username for n in unread) == ["probation", "probation2"]


def test_an_other_need_needs_describing_and_a_draft_is_not_sent(sign_in, person, cas3, nfa):
    from pathways.models import NeedType

    other = NeedType.objects.get(pathway__code="accommodation", is_other=True)
    client = sign_in("probation")
    url = reverse("pathways:need-add", args=[person.pk])
    data = {"need_type": other.pk, "status": "not_started", "responsibility": "community"}
    response = client.post(url, data)
    assert response.status_code == 400
    assert "Describe the need" in response.content.decode()
    assert client.post(url, {**data, "detail": "Hoarding at the flat"}).status_code == 302
    need = Need.objects.get(person=person)
    assert str(need) == "Hoarding at the flat"

    nfa_need = services.need_record(person=person, need_type=nfa, by=user("probation"))
    refer = reverse("pathways:referral-add", args=[person.pk, nfa_need.pk])
    assert client.post(refer, {"service": cas3.pk, "reason": "r", "draft": "1"}).status_code == 302
    draft = Referral.objects.get()
    assert draft.state == ReferralState.DRAFT
    assert sign_in("housing").get(reverse("pathways:inbox")).content.decode().count("Dale") == 0
