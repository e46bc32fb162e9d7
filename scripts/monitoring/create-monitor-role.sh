#!/usr/bin/env bash
# Creates (or updates) the PostgreSQL role postgres_exporter connects as: a login role that is a
# member of pg_monitor and nothing else, with read-only sessions (DB-4, SC-5).
set -euo pipefail
SCRIPT_NAME=create-monitor-role
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

usage() {
    cat <<'HELP'
Usage: create-monitor-role.sh

Creates the login role MONITOR_ROLE (default runbook_monitor) if it does not exist, sets its password
to MONITOR_ROLE_PASSWORD, makes its sessions read-only, grants it pg_monitor (the statistics views
and settings postgres_exporter reads) and revokes every other role membership it may have been
given. Safe to run again; a new password replaces the old one. Passwords reach psql through the
environment, never its command line; needs psql 15 or later.

Required environment:
  ADMIN_URL               libpq URI of a role that may create roles (the RDS master user)
  MONITOR_ROLE_PASSWORD   the monitoring role's new password
Optional:
  MONITOR_ROLE            role name (default runbook_monitor)
HELP
}

no_arguments "$@"

require_env ADMIN_URL MONITOR_ROLE_PASSWORD
require_cmd psql
role=${MONITOR_ROLE:-runbook_monitor}
[[ "$role" =~ ^[a-z_][a-z0-9_]*$ ]] || die "MONITOR_ROLE '${role}' must be a lowercase identifier"
pg_credentials "$ADMIN_URL"

pg_login_role "$role" MONITOR_ROLE_PASSWORD "$(cat <<'SQL'
SELECT format('REVOKE %I FROM %I', g.rolname, :'role') FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = :'role' AND g.rolname <> 'pg_monitor' \gexec
SELECT format('GRANT pg_monitor TO %I', :'role') \gexec
SQL
)"
log "role ${role} is a member of pg_monitor only"
