"""The audit trail cannot be rewritten, even by the role that owns its table."""

from datetime import UTC, datetime

import psycopg
import pytest
from django.db import transaction
from django.db.utils import DatabaseError

from rrcase.access.demo import DEMO_PASSWORD
from rrcase.audit.models import Action, AuditEvent
from rrcase.audit.services import audit_record
from tests.database_roles import owner_connection

pytestmark = pytest.mark.django_db

# A fixed instant: rows written over the owner's own connection, not the ORM.
AT = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditevent SET action = 'consult'",
        "DELETE FROM audit_auditevent",
        "TRUNCATE audit_auditevent",
    ],
)
def test_even_the_table_owner_cannot_update_delete_or_truncate(sql, database_roles):
    """The trigger is the second line (the app role is refused by privileges
    first, tests/audit/test_database_roles.py): it refuses even the owner the
    migrations run as, so emptying the trail takes a deliberate DISABLE TRIGGER."""
    with owner_connection(database_roles) as conn:
        conn.execute(
            "INSERT INTO audit_auditevent (at, actor_username, action, object_type, object_id,"
            " recipient, justification, request_id, details)"
            " VALUES (%s, 'someone', 'login', '', '', '', '', '', '{}')",
            [AT],
        )
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
            conn.execute(sql)
        conn.rollback()


def test_orm_delete_is_refused_too():
    event = audit_record(action=Action.CONSULT, actor_username="someone")
    with pytest.raises(DatabaseError), transaction.atomic():
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_sign_in_sign_out_and_failed_sign_in_are_logged_with_ip_and_request_id(
    client, borough, totp_code
):
    client.post("/sign-in/", {"username": "police", "password": "not-the-password"})
    client.post("/sign-in/", {"username": "police", "password": DEMO_PASSWORD})
    client.post("/sign-in/code/", {"code": totp_code("police")})
    client.post("/sign-out/")
    events = list(
        AuditEvent.objects.order_by("id").filter(action__in=["login", "logout", "login_failed"])
    )
    assert [(e.action, e.details.get("factor")) for e in events] == [
        ("login_failed", None),
        ("login", "password"),
        ("login", "totp"),
        ("logout", None),
    ]
    assert all(e.actor_username == "police" for e in events)
    assert all(e.ip_address == "127.0.0.1" and len(e.request_id) == 32 for e in events)
    assert events[1].agency.code == "police"
