#!/usr/bin/env bash
# Restore drill (BK-6, BK-7): restore the newest promoted backup into a scratch database, check it,
# and record how long the restore took (RTO) and how old the backup was (RPO). See --help.
set -euo pipefail
SCRIPT_NAME=restore-drill
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

usage() {
    cat <<'HELP'
Usage: restore-drill.sh

1. Finds the newest promoted backup under s3://S3_BUCKET/<BACKUP_PREFIX>/ (names are UTC timestamps;
   only objects whose metadata carries a sha256 were promoted).
2. Downloads it and checks its SHA-256 against that metadata.
3. Decrypts it with the drill's age identity and decompresses it.
4. Restores it into a scratch database:
     postgres  into DRILL_DATABASE on the server of DRILL_POSTGRES_URL (the database is dropped and
               created again; its name must contain "drill" or "scratch"): with DRILL_RESTORE_JOBS=1,
               pg_restore --single-transaction streamed from the decryption; with more, pg_restore -j
               from a decrypted file
     redis     starts a local redis-server on the RDB file
     mongodb   mongorestore --oplogReplay --drop into DRILL_MONGODB_URI
5. Runs the checks: minimum row (or key) counts, an optional command, optional asset URLs.
6. Pushes RTO (steps 2-4, seconds) and RPO (age of the backup when the drill started, seconds).
Any failure exits non-zero and is pushed as a failed drill.

Required environment:
  S3_ENDPOINT_URL        e.g. https://<account-id>.r2.cloudflarestorage.com
  S3_BUCKET              the backups bucket
  AWS_ACCESS_KEY_ID      the drill's read-only R2 token (access key id)
  AWS_SECRET_ACCESS_KEY  the drill's read-only R2 token (secret)
  AGE_IDENTITY_FILE      path of the drill's age private key (mounted from a Secret)
  DRILL_POSTGRES_URL     postgres only: URL of the scratch server, as a role that may create databases
  DRILL_MONGODB_URI      mongodb only: URL of the scratch replica set
Optional:
  DRILL_DATASTORE        postgres (default), redis or mongodb
  BACKUP_PREFIX          object prefix (default: the datastore)
  DRILL_DATABASE         postgres: scratch database name (default: runbook_drill)
  DRILL_RESTORE_JOBS     postgres: 1 (default) restores in one streamed transaction, the fastest on a
                         server with wal_level=minimal; N > 1 runs pg_restore -j N from a file
  DRILL_MIN_ROWS         postgres: "table=count,schema.table=count": each table must hold at least that
                         many rows; redis: "keys=count" (default keys=1)
  DRILL_CHECK_COMMAND    run with `sh -c` and DATABASE_URL set to the restored database, e.g.
                         "npx prisma migrate status"; it must exit 0
  DRILL_ASSET_URLS       whitespace-separated asset URLs; a random DRILL_ASSET_SAMPLE (default 5) of them
                         must answer 2xx
  DRILL_KEEP_DATABASE    "true" keeps the restored database for inspection
  BACKUP_WORK_DIR        where the backup is downloaded and decrypted (default: $TMPDIR or /tmp)
  PUSHGATEWAY_URL        Prometheus Pushgateway; metrics are not pushed when unset
  STACK_NAME             value of the `stack` label of the pushed metrics
HELP
}

no_arguments "$@"

DATASTORE=${DRILL_DATASTORE:-postgres}
case "$DATASTORE" in
postgres) require_env DRILL_POSTGRES_URL; require_cmd psql pg_restore; EXT=pgdump ;;
redis) require_cmd redis-server redis-cli; EXT=rdb ;;
mongodb) require_env DRILL_MONGODB_URI; require_cmd mongorestore; EXT=archive ;;
*) die "DRILL_DATASTORE must be postgres, redis or mongodb, got '${DATASTORE}'" ;;
esac
require_env S3_ENDPOINT_URL S3_BUCKET AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AGE_IDENTITY_FILE
require_cmd aws zstd age sha256sum curl
[ -r "$AGE_IDENTITY_FILE" ] || die "AGE_IDENTITY_FILE ${AGE_IDENTITY_FILE} is not readable"
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-auto}"
PREFIX=$(trim_prefix "${BACKUP_PREFIX:-$DATASTORE}")

DRILL_STARTED=$(now_seconds)
WORK=$(mktemp -d "${BACKUP_WORK_DIR:-${TMPDIR:-/tmp}}/drill.XXXXXX")
REDIS_PID=""
DRILL_OK=0

finish() {
    local status=$?
    trap - EXIT
    local finished
    finished=$(now_seconds)
    if [ -n "$REDIS_PID" ]; then kill "$REDIS_PID" 2>/dev/null || true; fi
    if [ "$DATASTORE" = postgres ] && [ -n "${SCRATCH_URL:-}" ] && [ "${DRILL_KEEP_DATABASE:-false}" != true ]; then
        psql -X -q --dbname="$DRILL_POSTGRES_URL" -c "DROP DATABASE IF EXISTS \"${DRILL_DATABASE}\" WITH (FORCE)" >/dev/null 2>&1 ||
            log "WARNING: could not drop the scratch database ${DRILL_DATABASE}"
    fi
    rm -rf "$WORK"
    if [ "$DRILL_OK" = 1 ]; then
        log "drill PASSED: restored ${BACKUP_KEY} in ${RTO}s (RTO); the backup was ${RPO}s old (RPO)"
        {
            gauge runbook_restore_drill_last_success_timestamp_seconds "$finished"
            gauge runbook_restore_drill_last_run_timestamp_seconds "$finished"
            gauge runbook_restore_drill_last_run_success 1
            gauge runbook_restore_drill_rto_seconds "$RTO"
            gauge runbook_restore_drill_rpo_seconds "$RPO"
        } | push_metrics runbook-restore-drill "$DATASTORE" || true
    else
        [ "$status" -ne 0 ] || status=1
        log "drill of ${DATASTORE} FAILED (exit ${status})"
        {
            gauge runbook_restore_drill_last_run_timestamp_seconds "$finished"
            gauge runbook_restore_drill_last_run_success 0
        } | push_metrics runbook-restore-drill "$DATASTORE" || true
    fi
    exit "$status"
}
trap finish EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

# 1. The newest promoted backup.
keys=$(s3 s3api list-objects-v2 --bucket "$S3_BUCKET" --prefix "${PREFIX}/" --query 'Contents[].Key' --output text) ||
    die "could not list s3://${S3_BUCKET}/${PREFIX}/ (check S3_ENDPOINT_URL, S3_BUCKET and the drill's credentials)"
BACKUP_KEY=$(printf '%s\n' "$keys" | tr '\t' '\n' | grep -E "^${PREFIX}/${BACKUP_NAME_PATTERN}\.${EXT}\.zst\.age$" | sort | tail -n 1 || true)
[ -n "$BACKUP_KEY" ] || die "no promoted ${DATASTORE} backup under s3://${S3_BUCKET}/${PREFIX}/"
stamp=${BACKUP_KEY#"${PREFIX}/"}
stamp=${stamp%%.*}
RPO=$((DRILL_STARTED - $(stamp_to_seconds "$stamp")))
expected=$(s3 s3api head-object --bucket "$S3_BUCKET" --key "$BACKUP_KEY" --query Metadata.sha256 --output text) ||
    die "could not read the metadata of ${BACKUP_KEY}"
[[ "$expected" =~ ^[0-9a-f]{64}$ ]] || die "${BACKUP_KEY} has no sha256 metadata; it was never promoted and cannot be trusted"
log "restoring s3://${S3_BUCKET}/${BACKUP_KEY} (${RPO}s old)"

# 2. Fetch and verify.
restore_started=$(now_seconds)
s3 s3 cp --only-show-errors "s3://${S3_BUCKET}/${BACKUP_KEY}" "$WORK/backup.age" || die "could not download ${BACKUP_KEY}"
actual=$(sha256sum "$WORK/backup.age" | cut -d' ' -f1)
[ "$actual" = "$expected" ] ||
    die "checksum mismatch for ${BACKUP_KEY}: metadata says ${expected}, the object hashes to ${actual}; the backup is corrupted"

# 3. Decrypt and decompress: to a file for a parallel restore; a single-transaction PostgreSQL
#    restore streams instead (step 4), so nothing decrypted touches the disk.
DUMP="$WORK/backup.${EXT}"
RESTORE_JOBS=${DRILL_RESTORE_JOBS:-1}
[[ "$RESTORE_JOBS" =~ ^[1-9][0-9]*$ ]] || die "DRILL_RESTORE_JOBS must be a positive number, got '${RESTORE_JOBS}'"
STREAM=0
if [ "$DATASTORE" = postgres ] && [ "$RESTORE_JOBS" -eq 1 ]; then STREAM=1; fi
if [ "$STREAM" = 0 ]; then
    age -d -i "$AGE_IDENTITY_FILE" "$WORK/backup.age" | zstd -q -d -o "$DUMP" ||
        die "could not decrypt ${BACKUP_KEY} with AGE_IDENTITY_FILE: wrong key, or a damaged object"
    rm -f "$WORK/backup.age"
fi

# 4. Restore into the scratch database.
min_count() { # min_count NAME: the minimum DRILL_MIN_ROWS sets for NAME, or nothing
    printf '%s' "${DRILL_MIN_ROWS:-}" | tr ',' '\n' | sed -n "s/^[[:space:]]*${1//./\\.}[[:space:]]*=[[:space:]]*\([0-9][0-9]*\)[[:space:]]*$/\1/p" | tail -n 1
}
case "$DATASTORE" in
postgres)
    DRILL_DATABASE=${DRILL_DATABASE:-runbook_drill}
    [[ "$DRILL_DATABASE" =~ ^[a-z_][a-z0-9_]*$ ]] || die "DRILL_DATABASE '${DRILL_DATABASE}' must be a lowercase identifier"
    [[ "$DRILL_DATABASE" == *drill* || "$DRILL_DATABASE" == *scratch* ]] ||
        die "DRILL_DATABASE '${DRILL_DATABASE}' is dropped and recreated, so its name must contain 'drill' or 'scratch'"
    [[ "$DRILL_POSTGRES_URL" =~ ^(postgres(ql)?://[^/?]*)(/[^?]*)?(\?.*)?$ ]] ||
        die "DRILL_POSTGRES_URL must be a postgres:// URL"
    SCRATCH_URL="${BASH_REMATCH[1]}/${DRILL_DATABASE}${BASH_REMATCH[4]}"
    psql -X -q -v ON_ERROR_STOP=1 --dbname="$DRILL_POSTGRES_URL" \
        -c "DROP DATABASE IF EXISTS \"${DRILL_DATABASE}\" WITH (FORCE)" -c "CREATE DATABASE \"${DRILL_DATABASE}\"" ||
        die "could not create the scratch database ${DRILL_DATABASE}"
    if [ "$STREAM" = 1 ]; then
        # One transaction: on a server with wal_level=minimal (the drill's scratch server), COPY into
        # tables created in it and every index build write no WAL, and each index builds with
        # parallel workers. A failure leaves an empty database.
        set +e
        age -d -i "$AGE_IDENTITY_FILE" "$WORK/backup.age" | zstd -q -d |
            pg_restore --dbname="$SCRATCH_URL" --single-transaction --no-owner --no-acl --exit-on-error
        codes=("${PIPESTATUS[@]}")
        set -e
        # 141 is SIGPIPE: an upstream step stopped because pg_restore had already failed.
        if [ "${codes[0]}" != 0 ] && [ "${codes[0]}" != 141 ]; then
            die "could not decrypt ${BACKUP_KEY} with AGE_IDENTITY_FILE: wrong key, or a damaged object"
        fi
        if [ "${codes[1]}" != 0 ] && [ "${codes[1]}" != 141 ]; then die "could not decompress ${BACKUP_KEY}: a damaged object"; fi
        [ "${codes[2]}" = 0 ] || die "pg_restore of ${BACKUP_KEY} into ${DRILL_DATABASE} failed"
    else
        pg_restore --dbname="$SCRATCH_URL" --jobs="$RESTORE_JOBS" --no-owner --no-acl --exit-on-error "$DUMP" ||
            die "pg_restore of ${BACKUP_KEY} into ${DRILL_DATABASE} failed"
    fi
    ;;
redis)
    port=${DRILL_REDIS_PORT:-6390}
    mv "$DUMP" "$WORK/dump.rdb"
    redis-server --bind 127.0.0.1 --port "$port" --dir "$WORK" --dbfilename dump.rdb --save '' --appendonly no \
        --protected-mode yes --daemonize no >"$WORK/redis.log" 2>&1 &
    REDIS_PID=$!
    for _ in $(seq 1 100); do
        if [ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ]; then break; fi
        kill -0 "$REDIS_PID" 2>/dev/null || die "redis-server could not load ${BACKUP_KEY}: $(tail -n 3 "$WORK/redis.log")"
        sleep 0.1
    done
    [ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ] || die "redis-server did not start on the restored RDB"
    ;;
mongodb)
    mongorestore --uri="$DRILL_MONGODB_URI" --archive="$DUMP" --oplogReplay --drop --quiet ||
        die "mongorestore of ${BACKUP_KEY} failed"
    ;;
esac
RTO=$(($(now_seconds) - restore_started))
log "restored in ${RTO}s"

# 5. Checks.
case "$DATASTORE" in
postgres)
    if [ -n "${DRILL_MIN_ROWS:-}" ]; then
        for pair in ${DRILL_MIN_ROWS//,/ }; do
            table=${pair%%=*}
            [[ "$table" =~ ^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$ ]] || die "DRILL_MIN_ROWS: '${table}' is not a table name"
            want=$(min_count "$table")
            [ -n "$want" ] || die "DRILL_MIN_ROWS: '${pair}' is not table=count"
            got=$(psql -X -A -t -v ON_ERROR_STOP=1 --dbname="$SCRATCH_URL" -c "SELECT count(*) FROM ${table}") ||
                die "check failed: could not count the rows of ${table}"
            [ "$got" -ge "$want" ] || die "check failed: ${table} has ${got} rows, at least ${want} expected"
            log "check passed: ${table} has ${got} rows (>= ${want})"
        done
    fi
    ;;
redis)
    want=$(min_count keys)
    want=${want:-1}
    got=$(redis-cli -p "$port" dbsize)
    [ "$got" -ge "$want" ] || die "check failed: the restored Redis holds ${got} keys, at least ${want} expected"
    log "check passed: ${got} keys (>= ${want})"
    ;;
esac
if [ -n "${DRILL_CHECK_COMMAND:-}" ]; then
    log "running check command: ${DRILL_CHECK_COMMAND}"
    case "$DATASTORE" in
    postgres) DATABASE_URL=$SCRATCH_URL sh -c "$DRILL_CHECK_COMMAND" >&2 ;;
    *) sh -c "$DRILL_CHECK_COMMAND" >&2 ;;
    esac || die "check failed: '${DRILL_CHECK_COMMAND}' exited non-zero"
fi
if [ -n "${DRILL_ASSET_URLS:-}" ]; then
    # shellcheck disable=SC2086 # the list is whitespace-separated on purpose
    for url in $(printf '%s\n' $DRILL_ASSET_URLS | shuf -n "${DRILL_ASSET_SAMPLE:-5}"); do
        curl -fsS -o /dev/null --max-time 15 "$url" || die "check failed: asset ${url} is not reachable"
        log "check passed: asset ${url}"
    done
fi
DRILL_OK=1
