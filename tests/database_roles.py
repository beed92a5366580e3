"""The suite runs as the application's database role, as production does
(docs/operations.md, "The database role"), so a test that the app role cannot
tamper with the audit trail is real.

- The test database is created and migrated as the **owner** role (from
  DATABASE_OWNER_URL, which scripts/with-database exports; or, when
  DATABASE_URL is a superuser's, from roles provisioned here exactly as
  `make run` does). Before migrating, the owner's default privileges are set,
  so the app role's privileges on every table come from the same path as in
  production: default privileges plus audit 0003's narrowing.
- Every test then runs connected as the **app** role: the test client, the live
  server for the browser tests and the Celery worker subprocess alike.
- Transactional tests are flushed with TRUNCATE between tests, which the app
  role cannot do (and, for the audit table, no role can while its trigger is
  on). The flush is run over a separate owner connection that turns the audit
  trigger off for that one transaction. That is a test harness power only:
  production code never flushes.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import dj_database_url
import psycopg
import pytest
from django.db import connections
from django.db.backends.postgresql.operations import DatabaseOperations
from django.db.models.signals import pre_migrate

from rrcase import db_roles


@dataclass(frozen=True)
class Login:
    user: str
    password: str
    host: str
    port: str

    @classmethod
    def from_url(cls, url: str) -> Login:
        config = dj_database_url.parse(url)
        return cls(
            user=str(config.get("USER") or ""),
            password=str(config.get("PASSWORD") or ""),
            host=str(config.get("HOST") or ""),
            port=str(config.get("PORT") or ""),
        )


@dataclass(frozen=True)
class DatabaseRoles:
    owner: Login
    app: Login

    @property
    def names(self) -> db_roles.Roles:
        return db_roles.Roles(owner=self.owner.user, app=self.app.user)


def _database_roles() -> DatabaseRoles:
    url = os.environ.get("DATABASE_URL", "")
    owner_url = os.environ.get("DATABASE_OWNER_URL", "")
    if not owner_url:
        try:
            urls = db_roles.provision(url)
        except db_roles.NotSuperuser:
            raise pytest.UsageError(
                "The suite runs as the application's database role and creates its test "
                "database as the owner role: set DATABASE_URL to a superuser's (the roles "
                "are then made for you, as `make test` does) or set DATABASE_OWNER_URL "
                "beside the app role's DATABASE_URL (docs/operations.md)."
            ) from None
        url, owner_url = urls.app, urls.owner
    return DatabaseRoles(owner=Login.from_url(owner_url), app=Login.from_url(url))


def _connect_as(login: Login) -> None:
    """Point the default database at `login` from the next connection on. Django's
    settings.DATABASES entry and the connection's settings_dict are one dict."""
    connections.close_all()
    settings_dict = connections["default"].settings_dict
    settings_dict.update(USER=login.user, PASSWORD=login.password, HOST=login.host, PORT=login.port)


def owner_connection(roles: DatabaseRoles) -> psycopg.Connection[Any]:
    """A connection to the test database as its owner (the caller closes it)."""
    database = connections["default"].settings_dict["NAME"]
    params = {
        "dbname": database,
        "user": roles.owner.user,
        "password": roles.owner.password,
        "host": roles.owner.host,
        "port": roles.owner.port,
    }
    conn = psycopg.connect(**{key: value for key, value in params.items() if value})
    # A flush that waited on a lock a test left behind would hang the suite; fail instead.
    conn.execute("SET lock_timeout = '30s'")
    return conn


@pytest.fixture(scope="session")
def database_roles() -> DatabaseRoles:
    return _database_roles()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix: None, database_roles: DatabaseRoles
) -> Iterator[None]:
    """Create and migrate the test database as the owner, with the app role's
    default privileges in place before the first migration."""

    def default_privileges(using: str, **kwargs: Any) -> None:
        with connections[using].cursor() as cursor:
            db_roles.grant(cursor.cursor, database_roles.names)

    _connect_as(database_roles.owner)
    pre_migrate.connect(default_privileges, dispatch_uid="tests.database_roles")
    yield
    pre_migrate.disconnect(dispatch_uid="tests.database_roles")


@pytest.fixture(scope="session")
def django_db_setup(
    django_db_setup: None, django_db_blocker: Any, database_roles: DatabaseRoles
) -> Iterator[None]:
    """After pytest-django's setup (as the owner): run every test as the app role,
    flushing transactional tests over an owner connection."""
    original_flush = DatabaseOperations.execute_sql_flush

    def execute_sql_flush(self: DatabaseOperations, sql_list: list[str]) -> None:
        with django_db_blocker.unblock(), owner_connection(database_roles) as conn:
            conn.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_no_truncate")
            for statement in sql_list:
                conn.execute(statement)  # type: ignore[arg-type]  # Django's own flush SQL
            conn.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_no_truncate")

    DatabaseOperations.execute_sql_flush = execute_sql_flush  # type: ignore[method-assign]
    _connect_as(database_roles.app)
    yield
    DatabaseOperations.execute_sql_flush = original_flush  # type: ignore[method-assign]
    # pytest-django drops the test database next; its owner may.
    with django_db_blocker.unblock():
        _connect_as(database_roles.owner)


def owner_url(database: str) -> str:
    """A URL for `database` as the owner role: for tests that create, back up
    or restore whole databases, which the app role may not do."""
    from urllib.parse import quote

    owner = _database_roles().owner
    password = f":{quote(owner.password, safe='')}" if owner.password else ""
    host = f"{owner.host or 'localhost'}:{owner.port or 5432}"
    return f"postgres://{owner.user}{password}@{host}/{database}"
