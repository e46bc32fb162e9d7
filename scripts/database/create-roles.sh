#!/usr/bin/env bash
# The one script that creates (or updates) the PostgreSQL login roles of the stack: the apps' and
# migrations' roles (SC-5, WL-5), the backup role (BK-1, BK-8) and the monitoring role (DB-4, SC-5).
# Each role Job runs it with the roles it owns; a role's kind decides its attributes and grants.
set -euo pipefail
SCRIPT_NAME=create-roles
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

usage() {
    cat <<'HELP'
Usage: create-roles.sh

Creates each login role of ROLES if it does not exist and sets its password. Every role gets LOGIN
and nothing more: superuser, createdb, createrole, replication and bypassrls are taken away where
set (but a backup role's BYPASSRLS, below), and so is every role membership beyond its kind's. Then
its kind's grants, all in one transaction, in the database of ADMIN_URL:

  backup   read-only sessions; pg_read_all_data (every table, view and sequence); BYPASSRLS where
           ADMIN_URL's role may grant it (pg_dump refuses a table with row-level security otherwise:
           without it the script fails if the database has such a table, and warns if not); read
           access to the large objects ADMIN_URL's role owns, now and, through the SECURITY DEFINER
           function runbook_backup.grant_large_objects() that only the backup role may run, before
           each dump (backup-postgres.sh)
  monitor  read-only sessions; pg_monitor (the statistics views and settings postgres_exporter reads)
  migrate  may create in APP_SCHEMA and in the database; owns the objects of APP_SCHEMA that
           ADMIN_URL's role owned (what migrations run as the master user created; SECURITY DEFINER
           functions and extension members stay); nobody else may create in APP_SCHEMA.
           ADMIN_URL's role becomes a member of it (to hand objects over and set default privileges)
  app      may use APP_SCHEMA and SELECT, INSERT, UPDATE and DELETE the rows of every table and view
           the migrate role owns there, now and (default privileges) from now on, and use its
           sequences; creates, alters, drops and truncates nothing. Needs a migrate role before it
           in ROLES

Safe to run again: a second run changes nothing but the passwords. Passwords reach psql through its
environment (\getenv), never a command line (SC-1); needs psql 15 or later.

Required environment:
  ADMIN_URL               libpq URI of a role that may create roles (the RDS master user), to the
                          database the roles are for (migrate: a role that owns it)
  ROLES                   the roles, as name:kind separated by spaces, such as
                          "runbook_migrate:migrate runbook_app:app" or "runbook_backup:backup"
  <KIND>_ROLE_PASSWORD    each listed role's password: BACKUP_ROLE_PASSWORD, MONITOR_ROLE_PASSWORD,
                          MIGRATE_ROLE_PASSWORD, APP_ROLE_PASSWORD
Optional:
  APP_SCHEMA              the apps' schema, for migrate and app (default public)
HELP
}

no_arguments "$@"

require_env ADMIN_URL ROLES
require_cmd psql
schema=${APP_SCHEMA:-public}
[[ "$schema" =~ ^[a-z_][a-z0-9_]*$ ]] || die "APP_SCHEMA '${schema}' must be a lowercase identifier"

# The predefined role each kind is a member of; every other membership is revoked.
member_of() {
    case "$1" in
    backup) printf pg_read_all_data ;;
    monitor) printf pg_monitor ;;
    esac
}
password_variable() { printf '%s_ROLE_PASSWORD' "$(printf '%s' "$1" | tr '[:lower:]' '[:upper:]')"; }

names=() kinds=() passwords=() migrate_role=""
read -ra specs <<<"$ROLES"
for spec in "${specs[@]}"; do
    name=${spec%%:*} kind=${spec#*:}
    [[ "$spec" == *:* && "$name" =~ ^[a-z_][a-z0-9_]*$ ]] || die "ROLES: '${spec}' is not name:kind with a lowercase identifier as the name"
    case "$kind" in
    backup | monitor | migrate) ;;
    app) [ -n "$migrate_role" ] || die "ROLES: the app role ${name} needs a migrate role before it, whose tables it uses" ;;
    *) die "ROLES: '${spec}' has kind '${kind}'; use backup, monitor, migrate or app" ;;
    esac
    for other in "${names[@]}"; do [ "$other" != "$name" ] || die "ROLES: ${name} is listed twice"; done
    [ "$kind" != migrate ] || migrate_role=$name
    names+=("$name") kinds+=("$kind") passwords+=("$(password_variable "$kind")")
done
[ "${#names[@]}" -gt 0 ] || die "ROLES names no role (see --help)"
require_env "${passwords[@]}"

# The admin's password goes to libpq through PGPASSWORD, never a command line (SC-1).
pg_credentials "$ADMIN_URL"

# login_role: the psql that makes :role a login role with nothing beyond LOGIN and its password. Only a
# superuser may even name SUPERUSER, REPLICATION or BYPASSRLS in ALTER ROLE (the RDS master user is not
# one), so an attribute is changed only when set.
login_role() {
    cat <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'role') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \gexec
SELECT format('ALTER ROLE %I WITH LOGIN PASSWORD %L', :'role', :'password') \gexec
SELECT format('ALTER ROLE %I NOSUPERUSER', rolname) FROM pg_roles WHERE rolname = :'role' AND rolsuper \gexec
SELECT format('ALTER ROLE %I NOREPLICATION', rolname) FROM pg_roles WHERE rolname = :'role' AND rolreplication \gexec
SELECT format('ALTER ROLE %I NOCREATEDB NOCREATEROLE', rolname) FROM pg_roles WHERE rolname = :'role' AND (rolcreatedb OR rolcreaterole) \gexec
SELECT format('REVOKE %I FROM %I', g.rolname, r.rolname)
  FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles r ON r.oid = m.member
 WHERE r.rolname = :'role' AND g.rolname IS DISTINCT FROM NULLIF(:'member_of', '') \gexec
SELECT format('GRANT %I TO %I', :'member_of', :'role') WHERE :'member_of' <> '' \gexec
SQL
}

no_bypassrls() {
    cat <<'SQL'
SELECT format('ALTER ROLE %I NOBYPASSRLS', rolname) FROM pg_roles WHERE rolname = :'role' AND rolbypassrls \gexec
SQL
}

read_only_sessions() {
    cat <<'SQL'
SELECT format('ALTER ROLE %I SET default_transaction_read_only = on', :'role') \gexec
SQL
}

backup_grants() {
    cat <<'SQL'
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
}

migrate_grants() {
    cat <<'SQL'
SELECT oid AS admin_oid FROM pg_roles WHERE rolname = current_user \gset
-- The admin acts for the migration role: handing it objects and setting its default privileges
-- both need that (on PostgreSQL 16 a CREATEROLE user gets no such membership by creating a role).
SELECT format('GRANT %I TO %I', :'role', current_user) WHERE NOT pg_has_role(current_user, :'role', 'USAGE') \gexec

-- Who may create what: the migration role in the schema (its own, when it does not exist yet) and the
-- database; nobody else in the schema.
SELECT format('CREATE SCHEMA %I AUTHORIZATION %I', :'schema', :'role') WHERE NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = :'schema') \gexec
SELECT oid AS schema_oid FROM pg_namespace WHERE nspname = :'schema' \gset
SELECT format('GRANT CONNECT, CREATE ON DATABASE %I TO %I', current_database(), :'role') \gexec
SELECT format('REVOKE CREATE ON SCHEMA %I FROM PUBLIC', :'schema') \gexec
SELECT format('GRANT USAGE, CREATE ON SCHEMA %I TO %I', :'schema', :'role') \gexec

-- What migrations run as the admin created is handed to the migration role, which alters it from now
-- on. Sequences of serial and identity columns follow their tables; extension members stay.
SELECT format('ALTER %s %s OWNER TO %I',
              CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END,
              c.oid::regclass, :'role')
  FROM pg_class c
 WHERE c.relnamespace = :schema_oid AND c.relowner = :admin_oid AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                   AND (d.deptype = 'e' OR (c.relkind = 'S' AND d.deptype IN ('a', 'i'))))
 ORDER BY c.oid \gexec
SELECT format('ALTER %s %s OWNER TO %I', CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, t.oid::regtype, :'role')
  FROM pg_type t
 WHERE t.typnamespace = :schema_oid AND t.typowner = :admin_oid
   AND (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c'))
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')
 ORDER BY t.oid \gexec
SELECT format('ALTER ROUTINE %s OWNER TO %I', p.oid::regprocedure, :'role')
  FROM pg_proc p
 WHERE p.pronamespace = :schema_oid AND p.proowner = :admin_oid AND p.prokind IN ('f', 'p') AND NOT p.prosecdef
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
 ORDER BY p.oid \gexec
SQL
}

app_grants() {
    cat <<'SQL'
SELECT oid AS schema_oid FROM pg_namespace WHERE nspname = :'schema' \gset
SELECT format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), :'role') \gexec
SELECT format('GRANT USAGE ON SCHEMA %I TO %I', :'schema', :'role') \gexec
-- Rows, never structure: the app role's privileges on what the migration role owns today...
SELECT format('GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE %s TO %I', c.oid::regclass, :'role')
  FROM pg_class c JOIN pg_roles o ON o.oid = c.relowner
 WHERE c.relnamespace = :schema_oid AND o.rolname = :'migrate_role' AND c.relkind IN ('r', 'p', 'v', 'f')
 ORDER BY c.oid \gexec
SELECT format('GRANT SELECT ON TABLE %s TO %I', c.oid::regclass, :'role')
  FROM pg_class c JOIN pg_roles o ON o.oid = c.relowner
 WHERE c.relnamespace = :schema_oid AND o.rolname = :'migrate_role' AND c.relkind = 'm'
 ORDER BY c.oid \gexec
SELECT format('GRANT USAGE, SELECT ON SEQUENCE %s TO %I', c.oid::regclass, :'role')
  FROM pg_class c JOIN pg_roles o ON o.oid = c.relowner
 WHERE c.relnamespace = :schema_oid AND o.rolname = :'migrate_role' AND c.relkind = 'S'
 ORDER BY c.oid \gexec
-- ...and on whatever its migrations create from now on, in any schema.
SELECT format('ALTER DEFAULT PRIVILEGES FOR ROLE %I GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I', :'migrate_role', :'role') \gexec
SELECT format('ALTER DEFAULT PRIVILEGES FOR ROLE %I GRANT USAGE, SELECT ON SEQUENCES TO %I', :'migrate_role', :'role') \gexec
SELECT format('ALTER DEFAULT PRIVILEGES FOR ROLE %I GRANT USAGE ON SCHEMAS TO %I', :'migrate_role', :'role') \gexec
SQL
}

# Every role, in the order ROLES lists them, in one transaction. Names are checked identifiers; the
# password variables are named by the kind. Identifiers are quoted by format(%I), passwords by
# format(%L); each statement is built by a query and run by \gexec, so a role that exists is altered.
roles_sql() {
    local i
    for i in "${!names[@]}"; do
        printf '\\set role %s\n\\set member_of %s\n\\getenv password %s\n' "${names[$i]}" "$(member_of "${kinds[$i]}")" "${passwords[$i]}"
        printf '\\set schema %s\n\\set migrate_role %s\n' "$schema" "${migrate_role:-none}"
        login_role
        case "${kinds[$i]}" in
        backup) read_only_sessions && backup_grants ;;
        monitor) no_bypassrls && read_only_sessions ;;
        migrate) no_bypassrls && migrate_grants ;;
        app) no_bypassrls && app_grants ;;
        esac
    done
}

export "${passwords[@]}"
roles_sql | psql -X -q -v ON_ERROR_STOP=1 --single-transaction --dbname="$PG_URL"

for i in "${!names[@]}"; do
    role=${names[$i]}
    case "${kinds[$i]}" in
    backup)
        # BYPASSRLS, where ADMIN_URL's role may grant it. Where it may not, a database with row-level
        # security cannot be dumped by this role: say so now, not at the first backup.
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
        ;;
    monitor) log "role ${role} is a member of pg_monitor only" ;;
    migrate)
        # What a migration left as the admin that the migration role cannot take over: name it, do not fail.
        left=$(pg_value "SELECT string_agg(p.oid::regprocedure::text, ', ') FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = '${schema}' AND p.proowner = (SELECT oid FROM pg_roles WHERE rolname = current_user) AND p.prosecdef")
        [ -z "$left" ] || log "WARNING: SECURITY DEFINER function(s) in ${schema} stay with ADMIN_URL's role and run with its privileges: ${left}"
        log "role ${role} owns and changes the objects of ${schema}"
        ;;
    app) log "role ${role} reads and writes the rows of ${migrate_role}'s tables in ${schema} and changes no structure" ;;
    esac
done
