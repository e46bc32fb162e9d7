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
to BACKUP_ROLE_PASSWORD, makes its sessions read-only and grants it pg_read_all_data (PostgreSQL 14
and later, RDS included): it can read every table and write none. Safe to run again; a new password
replaces the old one.

Required environment:
  ADMIN_URL              libpq URI of a role that may create roles (the RDS master user)
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

# The password travels as a psql variable, quoted by format(%L); it never appears in a command line.
psql -X -q -v ON_ERROR_STOP=1 --dbname="$ADMIN_URL" -v role="$role" -v password="$BACKUP_ROLE_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'role') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \gexec
SELECT format('ALTER ROLE %I WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD %L', :'role', :'password') \gexec
SELECT format('ALTER ROLE %I SET default_transaction_read_only = on', :'role') \gexec
SELECT format('GRANT pg_read_all_data TO %I', :'role') \gexec
SQL
log "role ${role} can read every table and write none"
