"""The audit trail viewer and its export, for holders of the audit permission."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from rrcase.audit.models import Action, AuditEvent
from rrcase.audit.services import audit_record

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("username", ["probation", "analyst", "probation-admin"])
def test_without_the_audit_permission_the_trail_is_refused(borough, sign_in, username):
    client = sign_in(username)
    assert client.get(reverse("audit:list")).status_code == 403
    assert client.get(reverse("audit:export")).status_code == 403


def test_dpo_filters_by_action_and_user(borough, sign_in):
    audit_record(action=Action.CONSULT, actor_username="someone", person_id=77)
    audit_record(action=Action.ALTER, actor_username="other", person_id=77)
    client = sign_in("dpo")
    html = client.get(reverse("audit:list"), {"action": "alter"}).content.decode()
    assert "Alteration" in html
    assert ">other<" in html
    assert ">someone<" not in html


def test_export_escapes_formulas_and_is_itself_a_disclosure(borough, sign_in):
    audit_record(action=Action.CONSULT, actor_username="=HYPERLINK(1)", person_id=5)
    response = sign_in("dpo").get(reverse("audit:export"), {"person_id": 5})
    body = b"".join(response.streaming_content if response.streaming else [response.content])
    rows = list(csv.reader(io.StringIO(body.decode())))
    assert rows[0] == ["OFFICIAL-SENSITIVE"]
    assert rows[2][1] == "'=HYPERLINK(1)"
    assert response["Content-Disposition"].startswith("attachment;")
    disclosure = AuditEvent.objects.get(action="disclose")
    assert disclosure.recipient == "dpo"


def test_invalid_dates_show_an_error_summary(borough, sign_in):
    html = (
        sign_in("dpo")
        .get(reverse("audit:list"), {"date_from": "2026-11-30", "date_to": "2026-11-01"})
        .content.decode()
    )
    assert "There is a problem" in html
    assert "The end date must be the same as or after the start date" in html


def test_viewer_query_count_is_constant(borough, sign_in, django_assert_max_num_queries):
    client = sign_in("dpo")
    for n in range(60):
        audit_record(action=Action.CONSULT, actor_username=f"u{n}", person_id=n)
    with django_assert_max_num_queries(15):
        client.get(reverse("audit:list"))


def test_a_long_trail_is_not_counted_in_full(borough, sign_in, monkeypatch):
    """The trail grows with every page view; past the cap the viewer says
    "more than" instead of counting millions of rows on each visit."""
    from rrcase.core import pagination

    monkeypatch.setattr(pagination, "COUNT_CAP", 60)
    for n in range(70):
        audit_record(action=Action.ALTER, actor_username=f"user{n}", person_id=n)
    client = sign_in("dpo")
    html = client.get(reverse("audit:list"), {"action": "alter"}).content.decode()
    assert "Showing 1 to 50 of more than 60 entries" in html
    few = client.get(reverse("audit:list"), {"action": "alter", "person_id": 7}).content.decode()
    assert "of more than" not in few
