"""The audit trail cannot be rewritten, even by the application's own database role."""

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from rrcase.access.demo import DEMO_PASSWORD
from rrcase.audit.models import Action, AuditEvent
from rrcase.audit.services import audit_record

pytestmark = pytest.mark.django_db

APP_ROLE = "rrcase_app_test_role"


@pytest.fixture
def as_application_role():
    """Act as an ordinary (non-superuser) role with full table privileges, as the
    application's database role is in production."""
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {APP_ROLE} NOLOGIN")
        cursor.execute(
            f"GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON audit_auditevent TO {APP_ROLE}"
        )
        cursor.execute(f"SET ROLE {APP_ROLE}")
    yield
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
    # The role is dropped with the test transaction's rollback.


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditevent SET action = 'consult'",
        "DELETE FROM audit_auditevent",
        "TRUNCATE audit_auditevent",
    ],
)
def test_application_role_cannot_change_or_remove_audit_rows(sql, as_application_role):
    audit_record(action=Action.CONSULT, actor_username="someone")
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert AuditEvent.objects.count() == 1


@pytest.mark.parametrize(
    "sql", ["UPDATE audit_auditevent SET action = 'consult'", "DELETE FROM audit_auditevent"]
)
def test_even_the_table_owner_cannot_update_or_delete(sql):
    audit_record(action=Action.LOGIN, actor_username="someone")
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert AuditEvent.objects.get().action == "login"


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
