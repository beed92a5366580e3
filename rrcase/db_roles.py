"""The two PostgreSQL roles rrcase runs as (docs/operations.md, "The database role").

- The **owner** role owns the database, its schema and every table: migrations
  and other schema changes run as it, and nothing else does.
- The **app** role owns nothing. It reads and writes the application's tables
  (SELECT, INSERT, UPDATE, DELETE; no TRUNCATE) and only reads and appends to
  the audit trail (SELECT, INSERT on audit_auditevent). The web app, the Celery
  worker and beat, the management commands that handle data (import_data, kpi,
  seed_demo, …) and the test suite run as it.

Given a superuser's URL (the embedded server's, CI's, a developer's),
`provision` creates both roles for that database idempotently, named after it
(`<database>_owner`, `<database>_app`), hands the database and every object in
it to the owner, grants the app role its privileges (and the owner's default
privileges, so tables made by later migrations are covered) and returns the
two roles' URLs. A URL with a password gives each role a password derived from
it (HMAC), so the URLs are the same on every call without storing anything.

    python -m rrcase.db_roles     # with DATABASE_URL set: prints shell `export` lines
    python -m rrcase.db_roles --deployment   # passwords from the environment; prints no URL

docker-compose creates the same roles in the PostgreSQL container's init script
(docker/postgres-init/) with passwords of their own; `--deployment` does it for
a volume initialised before the roles existed. See docs/operations.md.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import os
import shlex
import sys
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import psycopg
from psycopg import sql

AUDIT_TABLE = "audit_auditevent"
# PostgreSQL identifiers are at most 63 bytes.
_MAX_NAME = 63
# Serialises concurrent provisioning of one database (`make run` and `pytest` at once).
_LOCK_KEY = 0x72726361  # "rrca"


class NotSuperuser(Exception):
    """The URL's role cannot create roles, so the caller must supply them."""


@dataclass(frozen=True)
class Roles:
    owner: str
    app: str


@dataclass(frozen=True)
class RoleUrls:
    owner: str
    app: str


def role_names(database: str) -> Roles:
    stem = database[: _MAX_NAME - len("_owner")]
    return Roles(owner=f"{stem}_owner", app=f"{stem}_app")


def derived_password(admin_password: str | None, role: str) -> str | None:
    """A password for `role` that only a holder of the admin password can work out."""
    if not admin_password:
        return None
    return hmac.new(admin_password.encode(), role.encode(), hashlib.sha256).hexdigest()


def url_as(url: str, user: str, password: str | None) -> str:
    """`url` with its user (and password) replaced; host, port, database and options kept."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    userinfo = quote(user, safe="")
    if password:
        userinfo += ":" + quote(password, safe="")
    return urlunsplit(parts._replace(netloc=f"{userinfo}@{host}"))


def database_of(url: str) -> str:
    return unquote(urlsplit(url).path.lstrip("/"))


def grant(cursor: psycopg.Cursor, roles: Roles) -> None:
    """What the app role may do, in the cursor's database. Idempotent; run as the
    owner (on a fresh database, before migrating) or as a superuser.

    Default privileges cover every table and sequence the owner creates later, so
    a new migration's tables need nothing here. The audit table's narrower grants
    are made by the migration after the one that created it (audit 0003) and
    repeated here for a database migrated before the roles existed."""
    owner, app = sql.Identifier(roles.owner), sql.Identifier(roles.app)
    statements = [
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
        "REVOKE CREATE ON SCHEMA public FROM {app}",
        "GRANT USAGE ON SCHEMA public TO {app}",
        "ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public"
        " GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app}",
        # UPDATE on a sequence is setval (bench's bulk loader uses it); not on the
        # audit table's sequence (below).
        "ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public"
        " GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {app}",
        "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {app}",
        "REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM {app}",
        "GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {app}",
    ]
    for statement in statements:
        cursor.execute(sql.SQL(statement).format(owner=owner, app=app))
    audit_sequence = cursor.execute(
        "SELECT pg_get_serial_sequence(%s, 'id') WHERE to_regclass(%s) IS NOT NULL",
        [AUDIT_TABLE, AUDIT_TABLE],
    ).fetchone()
    if audit_sequence:
        # The audit trail: read and append, nothing else.
        table = sql.Identifier(AUDIT_TABLE)
        cursor.execute(sql.SQL("REVOKE ALL ON {} FROM {}").format(table, app))
        cursor.execute(sql.SQL("GRANT SELECT, INSERT ON {} TO {}").format(table, app))
        cursor.execute(
            sql.SQL("REVOKE UPDATE ON SEQUENCE {} FROM {}").format(sql.SQL(audit_sequence[0]), app)
        )


def _role_exists(cursor: psycopg.Cursor, name: str) -> bool:
    found = cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name]).fetchone()
    return found is not None


def _ensure_role(cursor: psycopg.Cursor, name: str, attributes: str, password: str | None) -> None:
    verb = "ALTER" if _role_exists(cursor, name) else "CREATE"
    cursor.execute(
        sql.SQL("{} ROLE {} WITH {} PASSWORD {}").format(
            sql.SQL(verb),
            sql.Identifier(name),
            sql.SQL(attributes),
            sql.Literal(password) if password else sql.SQL("NULL"),
        )
    )


def _hand_everything_to_owner(cursor: psycopg.Cursor, owner: str) -> None:
    """Objects a superuser made (a database migrated before roles existed) become
    the owner's. Extensions' members stay as they are."""
    not_extension_member = """
        NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = {oid} AND d.deptype = 'e')
    """
    relations = cursor.execute(
        f"""
        SELECT c.oid::regclass::text, c.relkind FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm')
          AND c.relowner <> %s::regrole AND {not_extension_member.format(oid="c.oid")}
        """,  # noqa: S608 - no input in the f-string, only a fixed fragment
        [owner],
    ).fetchall()
    kinds = {"r": "TABLE", "p": "TABLE", "v": "VIEW", "m": "MATERIALIZED VIEW"}
    for name, kind in relations:
        cursor.execute(
            sql.SQL("ALTER {} {} OWNER TO {}").format(
                sql.SQL(kinds[kind]), sql.SQL(name), sql.Identifier(owner)
            )
        )
    # Sequences that belong to a table moved with it; any others move now.
    sequences = cursor.execute(
        f"""
        SELECT c.oid::regclass::text FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind = 'S'
          AND c.relowner <> %s::regrole AND {not_extension_member.format(oid="c.oid")}
        """,  # noqa: S608
        [owner],
    ).fetchall()
    for (name,) in sequences:
        cursor.execute(
            sql.SQL("ALTER SEQUENCE {} OWNER TO {}").format(sql.SQL(name), sql.Identifier(owner))
        )
    routines = cursor.execute(
        f"""
        SELECT p.oid::regprocedure::text FROM pg_proc p
        JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND p.proowner <> %s::regrole
          AND {not_extension_member.format(oid="p.oid")}
        """,  # noqa: S608
        [owner],
    ).fetchall()
    for (signature,) in routines:
        cursor.execute(
            sql.SQL("ALTER ROUTINE {} OWNER TO {}").format(
                sql.SQL(signature), sql.Identifier(owner)
            )
        )


def provision(
    admin_url: str,
    *,
    owner_password: str | None = None,
    app_password: str | None = None,
    owner_creates_databases: bool = True,
) -> RoleUrls:
    """Create (or bring up to date) the owner and app roles for the URL's database.

    Passwords not given are derived from the URL's. The owner may create
    databases unless told otherwise: the test suite creates its test database
    as the owner; a deployment has no need to.
    Raises NotSuperuser when the URL's role is not a superuser."""
    database = database_of(admin_url)
    roles = role_names(database)
    admin_password = urlsplit(admin_url).password
    owner_password = owner_password or derived_password(admin_password, roles.owner)
    app_password = app_password or derived_password(admin_password, roles.app)
    with psycopg.connect(admin_url) as conn, conn.cursor() as cursor:
        superuser = cursor.execute(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
        if not superuser or not superuser[0]:
            raise NotSuperuser(database)
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        _ensure_role(
            cursor,
            roles.owner,
            "LOGIN NOSUPERUSER NOCREATEROLE NOREPLICATION NOBYPASSRLS "
            + ("CREATEDB" if owner_creates_databases else "NOCREATEDB"),
            owner_password,
        )
        _ensure_role(
            cursor,
            roles.app,
            "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT",
            app_password,
        )
        # The app role may not act as any other role (above all, not the owner).
        for (granted,) in cursor.execute(
            "SELECT roleid::regrole::text FROM pg_auth_members WHERE member = %s::regrole",
            [roles.app],
        ).fetchall():
            cursor.execute(
                sql.SQL("REVOKE {} FROM {}").format(sql.SQL(granted), sql.Identifier(roles.app))
            )
        cursor.execute(
            sql.SQL("ALTER DATABASE {} OWNER TO {}").format(
                sql.Identifier(database), sql.Identifier(roles.owner)
            )
        )
        cursor.execute(
            sql.SQL("ALTER SCHEMA public OWNER TO {}").format(sql.Identifier(roles.owner))
        )
        cursor.execute(
            sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(
                sql.Identifier(database), sql.Identifier(roles.app)
            )
        )
        _hand_everything_to_owner(cursor, roles.owner)
        grant(cursor, roles)
        # A test database left by a run from before the roles existed belongs to
        # the superuser; the owner, which creates and drops it now, takes it over.
        for (stale,) in cursor.execute(
            r"""
            SELECT datname FROM pg_database
            WHERE (datname = %s OR datname ~ ('^' || %s || '_gw[0-9]+$'))
              AND datdba <> %s::regrole
            """,
            [f"test_{database}", f"test_{database}", roles.owner],
        ).fetchall():
            cursor.execute(
                sql.SQL("ALTER DATABASE {} OWNER TO {}").format(
                    sql.Identifier(stale), sql.Identifier(roles.owner)
                )
            )
    return RoleUrls(
        owner=url_as(admin_url, roles.owner, owner_password),
        app=url_as(admin_url, roles.app, app_password),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--deployment",
        action="store_true",
        help="a deployment's roles: passwords from DATABASE_OWNER_PASSWORD and "
        "DATABASE_APP_PASSWORD, no CREATEDB for the owner, and nothing printed",
    )
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        print("DATABASE_URL (a superuser's) is not set.", file=sys.stderr)
        return 2
    if args.deployment:
        owner_password = os.environ.get("DATABASE_OWNER_PASSWORD", "")
        app_password = os.environ.get("DATABASE_APP_PASSWORD", "")
        if not owner_password or not app_password:
            print("Set DATABASE_OWNER_PASSWORD and DATABASE_APP_PASSWORD.", file=sys.stderr)
            return 2
        try:
            roles = provision(
                url,
                owner_password=owner_password,
                app_password=app_password,
                owner_creates_databases=False,
            )
        except NotSuperuser:
            print("DATABASE_URL must be a superuser's.", file=sys.stderr)
            return 2
        print(f"Roles ready: {urlsplit(roles.owner).username}, {urlsplit(roles.app).username}.")
        return 0
    try:
        urls = provision(url)
    except NotSuperuser:
        print(
            "DATABASE_URL's role is not a superuser, so rrcase uses it as given (for the "
            "application) and migrates as DATABASE_OWNER_URL if set (docs/operations.md).",
            file=sys.stderr,
        )
        return 0
    print(f"export DATABASE_URL={shlex.quote(urls.app)}")
    print(f"export DATABASE_OWNER_URL={shlex.quote(urls.owner)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
