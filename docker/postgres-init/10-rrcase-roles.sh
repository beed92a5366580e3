#!/bin/sh
# Runs once, when the postgres container initialises an empty data volume (as
# the superuser, in $POSTGRES_DB). Creates the two roles rrcase runs as
# (docs/operations.md, "The database role"):
#   rrcase_owner  owns the database, its schema and (through `migrate`) every table
#   rrcase_app    owns nothing; web, worker and beat. Its privileges on every table
#                 the owner creates come from the default privileges below; the
#                 audit migration (audit 0003) cuts the audit table's to SELECT, INSERT.
# A volume initialised before these roles existed: see docs/operations.md for the
# one-off `python -m rrcase.db_roles --deployment` that does the same and adopts
# the existing tables.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v db="$POSTGRES_DB" \
  -v owner_password="$DATABASE_OWNER_PASSWORD" \
  -v app_password="$DATABASE_APP_PASSWORD" <<'SQL'
CREATE ROLE rrcase_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
  PASSWORD :'owner_password';
CREATE ROLE rrcase_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT
  PASSWORD :'app_password';
ALTER DATABASE :"db" OWNER TO rrcase_owner;
ALTER SCHEMA public OWNER TO rrcase_owner;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"db" TO rrcase_app;
GRANT USAGE ON SCHEMA public TO rrcase_app;
ALTER DEFAULT PRIVILEGES FOR ROLE rrcase_owner IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO rrcase_app;
ALTER DEFAULT PRIVILEGES FOR ROLE rrcase_owner IN SCHEMA public
  GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO rrcase_app;
SQL
