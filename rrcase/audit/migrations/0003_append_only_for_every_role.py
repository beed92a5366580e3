"""The audit trail is read-and-append only for every role but its owner, and the
trigger refuses TRUNCATE to everyone (docs/operations.md, "The database role").

1. Privileges: whatever the application's role was granted on audit_auditevent
   (the owner's default privileges give a new table SELECT, INSERT, UPDATE and
   DELETE), UPDATE, DELETE, TRUNCATE, REFERENCES and TRIGGER are revoked from
   every role other than the table's owner, and setval on its id sequence. So
   the app role gets "permission denied" before the trigger is even reached.
2. The trigger (0002) let superusers TRUNCATE. It no longer does: defence in
   depth, so emptying the trail takes a deliberate, logged ALTER TABLE ...
   DISABLE TRIGGER by the owner first. (The test suite's flush between
   transactional tests does exactly that, over an owner connection:
   tests/database_roles.py.)
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_auditevent is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

DO $$
DECLARE
    grantee_name text;
    sequence_name text := pg_get_serial_sequence('audit_auditevent', 'id');
BEGIN
    FOR grantee_name IN
        SELECT DISTINCT r.rolname
        FROM pg_class c, aclexplode(c.relacl) acl
        JOIN pg_roles r ON r.oid = acl.grantee
        WHERE c.oid = 'audit_auditevent'::regclass AND acl.grantee <> c.relowner
    LOOP
        EXECUTE format(
            'REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON audit_auditevent FROM %I',
            grantee_name);
        EXECUTE format('REVOKE UPDATE ON SEQUENCE %s FROM %I', sequence_name, grantee_name);
    END LOOP;
    REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON audit_auditevent FROM PUBLIC;
    EXECUTE format('REVOKE UPDATE ON SEQUENCE %s FROM PUBLIC', sequence_name);
END;
$$;
"""

# Privileges are not given back: the roles that had them should never have.
BACKWARD = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit_auditevent is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
