"""The application's database role, which this whole suite runs as (as the web
app, workers and data commands do in production), can read the audit trail and
append to it and do nothing else to it; it owns nothing and can create nothing
(docs/operations.md, "The database role")."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from rrcase.audit.models import Action, AuditEvent
from rrcase.audit.services import audit_record

pytestmark = pytest.mark.django_db

INSUFFICIENT_PRIVILEGE = "42501"


def fetch(sql: str, params: list[object] | None = None) -> list[tuple[object, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def test_the_suite_is_connected_as_the_application_role(database_roles):
    [(user, superuser, createdb, createrole, bypassrls)] = fetch(
        "SELECT rolname, rolsuper, rolcreatedb, rolcreaterole, rolbypassrls"
        " FROM pg_roles WHERE rolname = current_user"
    )
    assert user == database_roles.app.user != database_roles.owner.user
    assert (superuser, createdb, createrole, bypassrls) == (False, False, False, False)


def test_application_role_reads_and_appends_to_the_audit_trail():
    event = audit_record(action=Action.LOGIN, actor_username="someone")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_auditevent (at, actor_username, action, object_type, object_id,"
            " recipient, justification, request_id, details)"
            " SELECT at, 'someone else', 'logout', '', '', '', '', '', '{}'"
            " FROM audit_auditevent WHERE id = %s",
            [event.pk],
        )
    assert sorted(AuditEvent.objects.values_list("actor_username", "action")) == [
        ("someone", "login"),
        ("someone else", "logout"),
    ]


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditevent SET action = 'consult'",
        "DELETE FROM audit_auditevent",
        "TRUNCATE audit_auditevent",
        "ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_no_update_or_delete",
        "ALTER TABLE audit_auditevent DISABLE TRIGGER ALL",
        "DROP TABLE audit_auditevent",
        "DROP TRIGGER audit_event_no_update_or_delete ON audit_auditevent",
        "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger"
        " LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
        "ALTER TABLE audit_auditevent RENAME TO audit_old",
        # Replication mode skips ordinary triggers; only a superuser may set it.
        "SET session_replication_role = replica",
        # Rewinding the id sequence would make new events collide with old ones.
        "SELECT setval(pg_get_serial_sequence('audit_auditevent', 'id'), 1)",
    ],
)
def test_application_role_cannot_change_remove_or_unprotect_audit_rows(sql):
    event = audit_record(action=Action.LOGIN, actor_username="someone")
    with (
        pytest.raises(DatabaseError) as failure,
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert failure.value.__cause__.sqlstate == INSUFFICIENT_PRIVILEGE, failure.value
    assert list(AuditEvent.objects.values_list("pk", "action")) == [(event.pk, "login")]
    [(triggers_enabled,)] = fetch(
        "SELECT bool_and(tgenabled = 'O') FROM pg_trigger"
        " WHERE tgrelid = 'audit_auditevent'::regclass AND NOT tgisinternal"
    )
    assert triggers_enabled


def test_application_role_cannot_become_the_owner(database_roles):
    with (
        pytest.raises(DatabaseError) as failure,
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f'SET ROLE "{database_roles.owner.user}"')
    assert failure.value.__cause__.sqlstate == INSUFFICIENT_PRIVILEGE


def test_application_role_owns_nothing_and_may_create_nothing():
    [owned] = fetch(
        """
        SELECT (SELECT count(*) FROM pg_class WHERE relowner = r.oid),
               (SELECT count(*) FROM pg_proc WHERE proowner = r.oid),
               (SELECT count(*) FROM pg_type WHERE typowner = r.oid),
               (SELECT count(*) FROM pg_namespace WHERE nspowner = r.oid),
               (SELECT count(*) FROM pg_database WHERE datdba = r.oid),
               (SELECT count(*) FROM pg_auth_members WHERE member = r.oid),
               has_schema_privilege(r.oid, 'public', 'CREATE'),
               has_database_privilege(r.oid, current_database(), 'CREATE')
        FROM pg_roles r WHERE r.rolname = current_user
        """
    )
    assert owned == (0, 0, 0, 0, 0, 0, False, False)
    for sql in ("CREATE TABLE scratch (id int)", "CREATE SCHEMA scratch"):
        with (
            pytest.raises(DatabaseError) as failure,
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
        assert failure.value.__cause__.sqlstate == INSUFFICIENT_PRIVILEGE, sql


def test_every_table_a_migration_made_is_read_write_and_the_audit_table_read_append():
    """The test database was migrated by the owner with the app role's default
    privileges in place, as production is: so this covers every table of every
    migration, including ones added after this test was written."""
    privileges = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")
    rows = fetch(
        """
        SELECT c.relname, p.privilege
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        CROSS JOIN unnest(%s::text[]) AS p(privilege)
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
          AND has_table_privilege(current_user, c.oid, p.privilege)
        """,
        [list(privileges)],
    )
    granted: dict[str, set[str]] = {}
    for table, privilege in rows:
        granted.setdefault(str(table), set()).add(str(privilege))
    tables = {str(table) for (table,) in fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
    )}  # fmt: skip
    assert len(tables) > 50
    expected = {table: {"SELECT", "INSERT", "UPDATE", "DELETE"} for table in tables}
    expected["audit_auditevent"] = {"SELECT", "INSERT"}
    assert granted == expected
