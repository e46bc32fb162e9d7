#!/usr/bin/env bash
# Creates (or updates) the two PostgreSQL roles the apps and their migrations connect as (SC-5, WL-5):
# the migration role owns the app schema's objects and runs DDL; the app role reads and writes rows.
set -euo pipefail
SCRIPT_NAME=create-app-roles
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

usage() {
    cat <<'HELP'
Usage: create-app-roles.sh

Creates the login roles MIGRATE_ROLE (default runbook_migrate) and APP_ROLE (default runbook_app) if
they do not exist and sets their passwords; takes away any superuser, createdb, createrole,
replication or bypassrls attribute and every role membership they may have been given. Then, in one
transaction, in the database of ADMIN_URL:

  - the migration role may create in APP_SCHEMA (default public) and in the database (schemas,
    trusted extensions); nobody else may create in APP_SCHEMA;
  - objects of APP_SCHEMA that ADMIN_URL's role owns (tables, views, sequences, types, functions:
    what migrations run as the master user created) are handed to the migration role, so the next
    migration may alter them; SECURITY DEFINER functions and extension members stay where they are;
  - the app role may use APP_SCHEMA and SELECT, INSERT, UPDATE and DELETE the rows of every table
    and view the migration role owns there, and use its sequences; it creates, alters, drops and
    truncates nothing;
  - default privileges give the app role the same on every table, sequence and schema the migration
    role creates from now on.

Safe to run again: a second run changes nothing but the passwords. ADMIN_URL's role becomes a member
of the migration role (it needs that to hand objects over and set default privileges).

Required environment:
  ADMIN_URL               libpq URI of a role that may create roles and owns the database (the RDS
                          master user), to the apps' database
  MIGRATE_ROLE_PASSWORD   the migration role's password
  APP_ROLE_PASSWORD       the app role's password
Optional:
  MIGRATE_ROLE            migration role name (default runbook_migrate)
  APP_ROLE                app role name (default runbook_app)
  APP_SCHEMA              the apps' schema (default public)
Needs psql 15 or later: the passwords reach psql through its environment (\getenv), never its
command line.
HELP
}

no_arguments "$@"

require_env ADMIN_URL MIGRATE_ROLE_PASSWORD APP_ROLE_PASSWORD
require_cmd psql
migrate_role=${MIGRATE_ROLE:-runbook_migrate}
app_role=${APP_ROLE:-runbook_app}
schema=${APP_SCHEMA:-public}
for name in "$migrate_role" "$app_role" "$schema"; do
    [[ "$name" =~ ^[a-z_][a-z0-9_]*$ ]] || die "'${name}' must be a lowercase identifier"
done
[ "$migrate_role" != "$app_role" ] || die "MIGRATE_ROLE and APP_ROLE must differ"

# The admin's password goes to libpq through PGPASSWORD, never a command line (SC-1).
pg_credentials "$ADMIN_URL"

# Identifiers are quoted by format(%I), passwords by format(%L); each statement is built by a query
# and run by \gexec, so a role that already exists is altered, never created twice.
psql -X -q -v ON_ERROR_STOP=1 --single-transaction --dbname="$PG_URL" \
    -v migrate_role="$migrate_role" -v app_role="$app_role" -v schema="$schema" <<'SQL'
\getenv migrate_password MIGRATE_ROLE_PASSWORD
\getenv app_password APP_ROLE_PASSWORD
SELECT oid AS admin_oid FROM pg_roles WHERE rolname = current_user \gset

-- Two login roles and nothing more. Only a superuser may even name SUPERUSER, REPLICATION or
-- BYPASSRLS in ALTER ROLE (the RDS master user is not one), so an attribute is changed only when set.
SELECT format('CREATE ROLE %I LOGIN', r) FROM unnest(ARRAY[:'migrate_role', :'app_role']) AS r
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) \gexec
SELECT format('ALTER ROLE %I WITH LOGIN PASSWORD %L', r.name, r.password)
  FROM (VALUES (:'migrate_role', :'migrate_password'), (:'app_role', :'app_password')) AS r(name, password) \gexec
SELECT format('ALTER ROLE %I NOSUPERUSER', rolname) FROM pg_roles WHERE rolname IN (:'migrate_role', :'app_role') AND rolsuper \gexec
SELECT format('ALTER ROLE %I NOREPLICATION', rolname) FROM pg_roles WHERE rolname IN (:'migrate_role', :'app_role') AND rolreplication \gexec
SELECT format('ALTER ROLE %I NOBYPASSRLS', rolname) FROM pg_roles WHERE rolname IN (:'migrate_role', :'app_role') AND rolbypassrls \gexec
SELECT format('ALTER ROLE %I NOCREATEDB NOCREATEROLE', rolname) FROM pg_roles WHERE rolname IN (:'migrate_role', :'app_role') AND (rolcreatedb OR rolcreaterole) \gexec
SELECT format('REVOKE %I FROM %I', g.rolname, r.rolname)
  FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles r ON r.oid = m.member
 WHERE r.rolname IN (:'migrate_role', :'app_role') \gexec

-- The admin acts for the migration role: handing it objects and setting its default privileges
-- both need that (on PostgreSQL 16 a CREATEROLE user gets no such membership by creating a role).
SELECT format('GRANT %I TO %I', :'migrate_role', current_user) WHERE NOT pg_has_role(current_user, :'migrate_role', 'USAGE') \gexec

-- Who may create what: the migration role in the schema (its own, when it does not exist yet) and the
-- database; nobody else in the schema.
SELECT format('CREATE SCHEMA %I AUTHORIZATION %I', :'schema', :'migrate_role') WHERE NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = :'schema') \gexec
SELECT oid AS schema_oid FROM pg_namespace WHERE nspname = :'schema' \gset
SELECT format('GRANT CONNECT ON DATABASE %I TO %I, %I', current_database(), :'migrate_role', :'app_role') \gexec
SELECT format('GRANT CREATE ON DATABASE %I TO %I', current_database(), :'migrate_role') \gexec
SELECT format('REVOKE CREATE ON SCHEMA %I FROM PUBLIC', :'schema') \gexec
SELECT format('GRANT USAGE, CREATE ON SCHEMA %I TO %I', :'schema', :'migrate_role') \gexec
SELECT format('GRANT USAGE ON SCHEMA %I TO %I', :'schema', :'app_role') \gexec

-- What migrations run as the admin created is handed to the migration role, which alters it from now
-- on. Sequences of serial and identity columns follow their tables; extension members stay.
SELECT format('ALTER %s %s OWNER TO %I',
              CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END,
              c.oid::regclass, :'migrate_role')
  FROM pg_class c
 WHERE c.relnamespace = :schema_oid AND c.relowner = :admin_oid AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                   AND (d.deptype = 'e' OR (c.relkind = 'S' AND d.deptype IN ('a', 'i'))))
 ORDER BY c.oid \gexec
SELECT format('ALTER %s %s OWNER TO %I', CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, t.oid::regtype, :'migrate_role')
  FROM pg_type t
 WHERE t.typnamespace = :schema_oid AND t.typowner = :admin_oid
   AND (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c'))
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')
 ORDER BY t.oid \gexec
SELECT format('ALTER ROUTINE %s OWNER TO %I', p.oid::regprocedure, :'migrate_role')
  FROM pg_proc p
 WHERE p.pronamespace = :schema_oid AND p.proowner = :admin_oid AND p.prokind IN ('f', 'p') AND NOT p.prosecdef
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
 ORDER BY p.oid \gexec

-- Rows, never structure: the app role's privileges on what the migration role owns today...
SELECT format('GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE %s TO %I', c.oid::regclass, :'app_role')
  FROM pg_class c JOIN pg_roles o ON o.oid = c.relowner
 WHERE c.relnamespace = :schema_oid AND o.rolname = :'migrate_role' AND c.relkind IN ('r', 'p', 'v', 'f')
 ORDER BY c.oid \gexec
SELECT format('GRANT SELECT ON TABLE %s TO %I', c.oid::regclass, :'app_role')
  FROM pg_class c JOIN pg_roles o ON o.oid = c.relowner
 WHERE c.relnamespace = :schema_oid AND o.rolname = :'migrate_role' AND c.relkind = 'm'
 ORDER BY c.oid \gexec
SELECT format('GRANT USAGE, SELECT ON SEQUENCE %s TO %I', c.oid::regclass, :'app_role')
  FROM pg_class c JOIN pg_roles o ON o.oid = c.relowner
 WHERE c.relnamespace = :schema_oid AND o.rolname = :'migrate_role' AND c.relkind = 'S'
 ORDER BY c.oid \gexec
-- ...and on whatever its migrations create from now on, in any schema.
SELECT format('ALTER DEFAULT PRIVILEGES FOR ROLE %I GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I', :'migrate_role', :'app_role') \gexec
SELECT format('ALTER DEFAULT PRIVILEGES FOR ROLE %I GRANT USAGE, SELECT ON SEQUENCES TO %I', :'migrate_role', :'app_role') \gexec
SELECT format('ALTER DEFAULT PRIVILEGES FOR ROLE %I GRANT USAGE ON SCHEMAS TO %I', :'migrate_role', :'app_role') \gexec
SQL

# What a migration left as the admin that the migration role cannot take over: name it, do not fail.
left=$(psql -X -q -A -t -v ON_ERROR_STOP=1 --dbname="$PG_URL" -v schema="$schema" <<'SQL'
SELECT string_agg(p.oid::regprocedure::text, ', ') FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = :'schema' AND p.proowner = (SELECT oid FROM pg_roles WHERE rolname = current_user) AND p.prosecdef;
SQL
)
[ -z "$left" ] || log "WARNING: SECURITY DEFINER function(s) in ${schema} stay with ADMIN_URL's role and run with its privileges: ${left}"
log "role ${migrate_role} owns and changes the objects of ${schema}; role ${app_role} reads and writes their rows and changes no structure"
