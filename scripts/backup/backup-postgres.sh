#!/usr/bin/env bash
# Daily PostgreSQL backup (BK-1): pg_dump in custom format, as a read-only backup role, streamed
# through zstd and age to the backups bucket. See --help.
set -euo pipefail
SCRIPT_NAME=backup-postgres
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

usage() {
    cat <<'HELP'
Usage: backup-postgres.sh

Dumps one PostgreSQL database with `pg_dump --format=custom`, compresses it with zstd, encrypts it
with age to AGE_RECIPIENT and uploads it to an S3-compatible bucket (Cloudflare R2) as
<BACKUP_PREFIX>/<UTC timestamp>-<run id>.pgdump.zst.age (the run id, 8 random hex digits, keeps two
runs in the same second apart). The upload goes to a temporary name first; only a verified upload is
promoted to its final name, with its SHA-256 in the object metadata.

The backup role (create-backup-role.sh) reads every table, bypasses row-level security, and is granted
read access to large objects created since the last run just before the dump, through the function
runbook_backup.grant_large_objects() the role's setup left; that schema is not dumped. The password is
passed to pg_dump and psql through the environment (PGPASSWORD), never on their command lines.

Required environment:
  POSTGRES_URL           libpq connection URI of the read-only backup role: postgres://, its user and
                         password, the host and port, the database, and ?sslmode=require
  S3_ENDPOINT_URL        e.g. https://<account-id>.r2.cloudflarestorage.com
  S3_BUCKET              the backups bucket
  AWS_ACCESS_KEY_ID      the backup jobs' R2 token (access key id)
  AWS_SECRET_ACCESS_KEY  the backup jobs' R2 token (secret)
  AGE_RECIPIENT          age public key (age1...) the dump is encrypted to
Optional:
  BACKUP_PREFIX          object prefix (default: postgres)
  BACKUP_INCOMING_PREFIX prefix of temporary uploads (default: incoming)
  ZSTD_LEVEL             zstd level (default: 3)
  PUSHGATEWAY_URL        Prometheus Pushgateway; metrics are not pushed when unset
  STACK_NAME             value of the `stack` label of the pushed metrics
Exit status: 0 when a verified backup was promoted, non-zero otherwise.
HELP
}

no_arguments "$@"

require_env POSTGRES_URL "${BACKUP_REQUIRED_ENV[@]}"
require_cmd pg_dump psql

pg_credentials "$POSTGRES_URL"

# Large objects have no default privileges before PostgreSQL 18, so the backup role cannot read one
# created after its setup (pg_dump: "permission denied for large object"). The setup's function grants
# them, as their owner; it is the one write the role may make, in a transaction of its own.
grant_large_objects() {
    local granted
    if granted=$(psql -X -q -A -t -v ON_ERROR_STOP=1 --dbname="$PG_URL" <<'SQL'
BEGIN TRANSACTION READ WRITE;
SELECT CASE WHEN to_regprocedure('runbook_backup.grant_large_objects()') IS NULL THEN -1 ELSE runbook_backup.grant_large_objects() END;
COMMIT;
SQL
    ); then
        case "$granted" in
        -1) log "WARNING: runbook_backup.grant_large_objects() is missing: run create-backup-role.sh again, or large objects created since may not be readable" ;;
        0) ;;
        *) log "granted the backup role read access to ${granted} new large object(s)" ;;
        esac
    else
        log "WARNING: could not grant read access to new large objects; the dump names any it cannot read"
    fi
}

dump_postgres() {
    grant_large_objects >&2
    # --no-owner/--no-acl: the restore runs as whoever owns the scratch database. The runbook_backup
    # schema only serves the backup role on this server.
    pg_dump --dbname="$PG_URL" --format=custom --compress=0 --no-owner --no-acl --exclude-schema=runbook_backup
}

run_backup postgres pgdump dump_postgres
