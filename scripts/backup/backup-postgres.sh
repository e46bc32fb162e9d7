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

The dump keeps every object's owner and privileges (GRANTs, default privileges), and the database's
own settings (ALTER DATABASE ... SET, its comment, its grants: restored with pg_restore --create).
Beside it, <name>.manifest.tar.zst.age (encrypted the same way) carries what the dump cannot:
  globals.sql  the roles, their memberships and settings (pg_dumpall --globals-only
               --no-role-passwords: no password hash, which only a superuser may read)
  tables.tsv   the BACKUP_MANIFEST_TABLES largest tables with their row counts, counted in the
               dump's own snapshot (pg_export_snapshot, pg_dump --snapshot), and their sizes
The restore drill restores the roles first, checks the restored counts against both, and against the
previous backup's. docs/recovery.md says what a restore must still redo (the passwords).

The backup role (kind backup of scripts/database/create-roles.sh) reads every table, bypasses
row-level security, and is granted read access to large objects created since the last run just
before the dump, through the function runbook_backup.grant_large_objects() the role's setup left;
that schema is not dumped. The password is passed to pg_dump and psql through the environment
(PGPASSWORD), never on their command lines. The upload is told the database's size
(--expected-size), which a stream over 50 GB needs.

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
  BACKUP_MANIFEST_TABLES how many of the largest tables the manifest counts (default: 10; 0 counts
                         none). Counting reads those tables a second time, beside the dump
  BACKUP_MONTHLY_PREFIX  copy the first backup of each month there too (e.g. monthly/postgres)
  PUSHGATEWAY_URL        Prometheus Pushgateway; metrics are not pushed when unset
  STACK_NAME             value of the `stack` label of the pushed metrics
  REPLICA_S3_ENDPOINT_URL  a second bucket at another site (https://...): the promoted backup and its
                         manifest are copied there as stored (still encrypted), read back and checked
                         against the recorded SHA-256, and promoted there the same way; the replica's
                         lag is pushed. With it:
  REPLICA_S3_BUCKET, REPLICA_AWS_ACCESS_KEY_ID, REPLICA_AWS_SECRET_ACCESS_KEY
                         the replica bucket and its own credentials
  REPLICA_S3_REGION      the replica's region (default: auto)
Exit status: 0 when a verified backup was promoted, non-zero otherwise. A failed replica copy leaves
the promoted backup as it is and exits 0; it is pushed as runbook_backup_replica_last_run_success 0.
HELP
}

no_arguments "$@"

require_env POSTGRES_URL "${BACKUP_REQUIRED_ENV[@]}"
require_cmd pg_dump pg_dumpall psql

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
        -1) log "WARNING: runbook_backup.grant_large_objects() is missing: run the backup role Job (create-roles.sh) again, or large objects created since may not be readable" ;;
        0) ;;
        *) log "granted the backup role read access to ${granted} new large object(s)" ;;
        esac
    else
        log "WARNING: could not grant read access to new large objects; the dump names any it cannot read"
    fi
}

# The manifest's row counts: the BACKUP_MANIFEST_TABLES largest tables of the dump (no extension's, no
# partitioned parent, which holds no rows itself), counted with \gexec. Names holding a tab, a line
# break or a backslash are left out: they would break the manifest's lines.
MANIFEST_SQL=$(cat <<'SQL'
SELECT format('SELECT %L, %L, count(*), %s FROM ONLY %I.%I;', n.nspname, c.relname, pg_total_relation_size(c.oid), n.nspname, c.relname)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND c.relpersistence <> 't'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'runbook_backup') AND n.nspname !~ '^pg_(toast|temp)'
  AND n.nspname !~ '[\t\n\r\\]' AND c.relname !~ '[\t\n\r\\]'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY pg_total_relation_size(c.oid) DESC, 1 LIMIT :manifest_tables \gexec
SQL
)

# dump_postgres: pg_dump in a snapshot exported by a session that holds it open and, meanwhile, counts
# the manifest's tables in that same snapshot: the counts are exactly what the dump holds.
dump_postgres() {
    grant_large_objects >&2
    local tables=${BACKUP_MANIFEST_TABLES:-10} session_in="$BACKUP_WORK/session.fifo" session_out="$BACKUP_WORK/session.out" session status=0 snapshot=""
    [[ "$tables" =~ ^[0-9]+$ ]] || die "BACKUP_MANIFEST_TABLES must be a whole number, got '${tables}'"
    mkfifo "$session_in"
    psql -X -q -A -t -F "$(printf '\t')" -v ON_ERROR_STOP=1 -v manifest_tables="$tables" --dbname="$PG_URL" \
        <"$session_in" >"$session_out" 2>"$BACKUP_WORK/session.err" &
    session=$!
    exec 8>"$session_in"
    printf '%s\n' 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;' 'SELECT pg_export_snapshot();' >&8
    for _ in $(seq 1 600); do
        snapshot=$(head -n 1 "$session_out")
        if [ -n "$snapshot" ] || ! kill -0 "$session" 2>/dev/null; then break; fi
        sleep 0.05
    done
    if [ -z "$snapshot" ]; then
        exec 8>&-
        cat "$BACKUP_WORK/session.err" >&2
        log "could not export a snapshot for the dump"
        return 1
    fi
    # The counts run beside the dump; the transaction, and with it the snapshot, ends after the dump.
    printf '%s\n' "$MANIFEST_SQL" >&8
    # --no-owner/--no-acl are left to the restore: the dump carries owners and privileges (issue 17 #2).
    # The runbook_backup schema only serves the backup role on this server.
    pg_dump --dbname="$PG_URL" --snapshot="$snapshot" --format=custom --compress=0 --exclude-schema=runbook_backup || status=$?
    printf 'COMMIT;\n' >&8
    exec 8>&-
    if ! wait "$session"; then
        cat "$BACKUP_WORK/session.err" >&2
        log "could not count the rows of the largest tables in the dump's snapshot"
        [ "$status" -ne 0 ] || status=1
    fi
    tail -n +2 "$session_out" >"$BACKUP_WORK/manifest/tables.tsv"
    return "$status"
}

# The roles the dump's owners and privileges name: no dump of one database carries them.
dump_globals() {
    local database
    database=$(pg_value "SELECT current_database()") || die "could not reach the database to dump its roles; nothing was promoted"
    pg_dumpall --dbname="$PG_URL" -l "$database" --globals-only --no-role-passwords --no-tablespaces \
        >"$BACKUP_WORK/manifest/globals.sql" 2>"$BACKUP_WORK/globals.err" || {
        cat "$BACKUP_WORK/globals.err" >&2
        die "could not dump the roles (pg_dumpall --globals-only --no-role-passwords); nothing was promoted"
    }
}

# An upper bound of the encrypted dump: the database's size (its indexes are not dumped, and zstd
# shrinks the rest), plus a quarter for data whose text form outgrows its pages (bytea as hex).
database_size() {
    local bytes
    bytes=$(pg_value "SELECT pg_database_size(current_database())") || return 1
    printf '%s\n' $((bytes + bytes / 4))
}

BACKUP_SIZE_FUNCTION=database_size
BACKUP_AFTER_DUMP=dump_globals
run_backup postgres pgdump dump_postgres
