#!/usr/bin/env bash
# Creates (or updates) the read-only PostgreSQL role the backup job dumps with (BK-1, BK-8).
set -euo pipefail
SCRIPT_NAME=create-backup-role
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

usage() {
    cat <<'HELP'
Usage: create-backup-role.sh

Creates the login role BACKUP_ROLE (default runbook_backup) if it does not exist, sets its password
to BACKUP_ROLE_PASSWORD, makes its sessions read-only and gives it what a complete pg_dump needs
while writing nothing:
  - pg_read_all_data (PostgreSQL 14 and later, RDS included): every table, view and sequence;
  - BYPASSRLS: pg_dump refuses a table with row-level security otherwise. Only a superuser may grant
    it on PostgreSQL 15 and earlier (on 16 and later, a role that has it): when ADMIN_URL's role may
    not, the script fails if ADMIN_URL's database has a table with row-level security, and warns
    otherwise;
  - read access to large objects, which no predefined role gives: granted now on every large object
    ADMIN_URL's role owns (or is a member of the owner of), and by backup-postgres.sh before each
    dump on those created since, through the SECURITY DEFINER function
    runbook_backup.grant_large_objects(), which only the backup role may run.
Safe to run again; a new password replaces the old one. Passwords reach psql through the environment,
never its command line; needs psql 15 or later.

Required environment:
  ADMIN_URL              libpq URI of a role that may create roles (the RDS master user), to the
                         database that is backed up
  BACKUP_ROLE_PASSWORD   the backup role's new password
Optional:
  BACKUP_ROLE            role name (default runbook_backup)
HELP
}

no_arguments "$@"

require_env ADMIN_URL BACKUP_ROLE_PASSWORD
require_cmd psql
role=${BACKUP_ROLE:-runbook_backup}
[[ "$role" =~ ^[a-z_][a-z0-9_]*$ ]] || die "BACKUP_ROLE '${role}' must be a lowercase identifier"
pg_credentials "$ADMIN_URL"

pg_login_role "$role" BACKUP_ROLE_PASSWORD "$(cat <<'SQL'
SELECT format('GRANT pg_read_all_data TO %I', :'role') \gexec
CREATE SCHEMA IF NOT EXISTS runbook_backup;
REVOKE ALL ON SCHEMA runbook_backup FROM PUBLIC;
-- Runs as its owner (ADMIN_URL's role), for the only other role that may run it: grants the caller
-- read access to every large object it cannot read yet and the owner may grant. Returns how many.
CREATE OR REPLACE FUNCTION runbook_backup.grant_large_objects() RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    objects text;
    how_many bigint;
BEGIN
    SELECT string_agg(m.oid::text, ', '), count(*) INTO objects, how_many
    FROM pg_largeobject_metadata m
    WHERE pg_has_role(m.lomowner, 'USAGE')
      AND NOT EXISTS (SELECT 1 FROM aclexplode(m.lomacl) a
                      WHERE a.grantee = (SELECT oid FROM pg_roles WHERE rolname = session_user) AND a.privilege_type = 'SELECT');
    IF how_many > 0 THEN
        EXECUTE format('GRANT SELECT ON LARGE OBJECT %s TO %I', objects, session_user);
    END IF;
    RETURN how_many;
END
$fn$;
REVOKE ALL ON FUNCTION runbook_backup.grant_large_objects() FROM PUBLIC;
SELECT format('GRANT USAGE ON SCHEMA runbook_backup TO %I', :'role') \gexec
SELECT format('GRANT EXECUTE ON FUNCTION runbook_backup.grant_large_objects() TO %I', :'role') \gexec
-- The large objects there are now.
SELECT format('GRANT SELECT ON LARGE OBJECT %s TO %I', string_agg(m.oid::text, ', '), :'role')
FROM pg_largeobject_metadata m WHERE pg_has_role(m.lomowner, 'USAGE') HAVING count(*) > 0 \gexec
SQL
)"

# BYPASSRLS, where ADMIN_URL's role may grant it. Where it may not, a database with row-level security
# cannot be dumped by this role: say so now, not at the first backup.
if [ "$(pg_value "SELECT rolbypassrls FROM pg_roles WHERE rolname = '${role}'")" != t ]; then
    if ! refusal=$(pg_value "ALTER ROLE \"${role}\" BYPASSRLS" 2>&1); then
        rls_tables=$(pg_value "SELECT string_agg(c.oid::regclass::text, ', ' ORDER BY 1) FROM pg_class c WHERE c.relrowsecurity AND c.relkind IN ('r', 'p')")
        if [ -n "$rls_tables" ]; then
            die "role ${role} cannot be given BYPASSRLS (${refusal//$'\n'/ }), and pg_dump refuses these tables with row-level security without it: ${rls_tables}. Have a superuser run ALTER ROLE ${role} BYPASSRLS (docs/recovery.md says what to do on RDS)"
        fi
        log "WARNING: role ${role} cannot be given BYPASSRLS (${refusal//$'\n'/ }); no table has row-level security today, but the backup will fail once one does (docs/recovery.md)"
    fi
fi
unreadable=$(pg_value "SELECT count(*) FROM pg_largeobject_metadata m WHERE NOT pg_has_role(m.lomowner, 'USAGE')")
[ "$unreadable" = 0 ] ||
    log "WARNING: ${unreadable} large object(s) belong to roles ADMIN_URL's role is not a member of; the backup fails until their owner grants ${role} SELECT on them"
log "role ${role} can read every table and large object and write none"
