#!/usr/bin/env bash
# Restore drill (BK-6, BK-7): restore the newest promoted backup (or an older one, chosen with --key or
# --before) into a scratch database, check it, and record how long the restore took (RTO) and how old
# the backup was (RPO). See --help.
set -euo pipefail
SCRIPT_NAME=restore-drill
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

usage() {
    cat <<'HELP'
Usage: restore-drill.sh [--key KEY | --before TIME]

1. Finds the newest promoted backup under s3://S3_BUCKET/<BACKUP_PREFIX>/ (names start with their UTC
   timestamp; only objects whose metadata carries a sha256 were promoted). An object named after the
   drill's start is skipped with a warning: its name, the only record of its time, cannot be right,
   and the RPO would come out negative.
     --key KEY      restore this object instead (e.g. postgres/20261126T020000Z-3f9a0c1e.pgdump.zst.age,
                    or its name alone), to fall back to an older backup when the newest is damaged;
                    also DRILL_BACKUP_KEY. An object named in the future is refused.
     --before TIME  restore the newest backup named strictly before TIME: a timestamp as in the names
                    (20261126T020000Z) or anything `date -d` reads ("2026-11-26 02:00 UTC"); also
                    DRILL_BEFORE.
   An argument overrides its variable; --key and --before exclude each other.
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
  DRILL_BACKUP_KEY       as --key
  DRILL_BEFORE           as --before
  BACKUP_WORK_DIR        where the backup is downloaded and decrypted (default: $TMPDIR or /tmp); a
                         full disk there is reported as such
  PUSHGATEWAY_URL        Prometheus Pushgateway; metrics are not pushed when unset
  STACK_NAME             value of the `stack` label of the pushed metrics
Passwords in DRILL_POSTGRES_URL and DRILL_MONGODB_URI reach psql, pg_restore and mongorestore through
the environment or a mode-0600 file, never their command lines; DRILL_CHECK_COMMAND gets the whole URL
in DATABASE_URL. A TERM or INT stops the running step at once, drops the scratch database and reports
a failed drill.
Exit status: 0 when the drill passed, non-zero otherwise.
HELP
}

while [ "$#" -gt 0 ]; do
    case "$1" in
    -h | --help) usage; exit 0 ;;
    --key | --before)
        if [ "$#" -lt 2 ] || [ -z "$2" ]; then bad_usage "$1 needs a value"; fi
        if [ "$1" = --key ]; then DRILL_BACKUP_KEY=$2; else DRILL_BEFORE=$2; fi
        shift 2 ;;
    --key=*) DRILL_BACKUP_KEY=${1#*=}; shift ;;
    --before=*) DRILL_BEFORE=${1#*=}; shift ;;
    *) bad_usage "unexpected argument: $1" ;;
    esac
done
if [ -n "${DRILL_BACKUP_KEY:-}" ] && [ -n "${DRILL_BEFORE:-}" ]; then
    bad_usage "--key (DRILL_BACKUP_KEY) and --before (DRILL_BEFORE) exclude each other"
fi

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
if [ "$DATASTORE" = postgres ]; then pg_credentials "$DRILL_POSTGRES_URL"; fi
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-auto}"
PREFIX=$(trim_prefix "${BACKUP_PREFIX:-$DATASTORE}")

DRILL_STARTED=$(now_seconds)
NOW_STAMP=$(date -u -d "@${DRILL_STARTED}" +%Y%m%dT%H%M%SZ)
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
        psql -X -q --dbname="$PG_URL" -c "DROP DATABASE IF EXISTS \"${DRILL_DATABASE}\" WITH (FORCE)" >/dev/null 2>&1 ||
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
trap 'on_signal 143' TERM
trap 'on_signal 130' INT

# 1. The backup: the newest promoted one, the one --key names, or the newest before --before.
NAME_RE="^${PREFIX}/${BACKUP_NAME_PATTERN}\.${EXT}\.zst\.age$"
keys=$(s3 s3api list-objects-v2 --bucket "$S3_BUCKET" --prefix "${PREFIX}/" --query 'Contents[].Key' --output text) ||
    die "could not list s3://${S3_BUCKET}/${PREFIX}/ (check S3_ENDPOINT_URL, S3_BUCKET and the drill's credentials)"
backups=$(printf '%s\n' "$keys" | tr '\t' '\n' | grep -E "$NAME_RE" | sort || true)
key_stamp() { local name=${1#"${PREFIX}/"}; printf '%s' "${name:0:16}"; }
if [ -n "${DRILL_BACKUP_KEY:-}" ]; then
    BACKUP_KEY=$DRILL_BACKUP_KEY
    [[ "$BACKUP_KEY" == "${PREFIX}/"* ]] || BACKUP_KEY="${PREFIX}/${BACKUP_KEY}"
    [[ "$BACKUP_KEY" =~ $NAME_RE ]] ||
        die "--key ${DRILL_BACKUP_KEY} is not a ${DATASTORE} backup's name (${PREFIX}/<UTC timestamp>-<run id>.${EXT}.zst.age)"
    grep -qxF "$BACKUP_KEY" <<<"$backups" || die "no object s3://${S3_BUCKET}/${BACKUP_KEY}"
    if [[ "$(key_stamp "$BACKUP_KEY")" > "$NOW_STAMP" ]]; then
        die "${BACKUP_KEY} is named in the future (the drill started at ${NOW_STAMP}): its time cannot be trusted, and its RPO would be negative"
    fi
else
    BEFORE_STAMP=""
    if [ -n "${DRILL_BEFORE:-}" ]; then
        if [[ "$DRILL_BEFORE" =~ ^[0-9]{8}T[0-9]{6}Z$ ]]; then
            BEFORE_STAMP=$DRILL_BEFORE
        else
            BEFORE_STAMP=$(date -u -d "$DRILL_BEFORE" +%Y%m%dT%H%M%SZ 2>/dev/null) ||
                bad_usage "--before '${DRILL_BEFORE}' is not a time: give 20261126T020000Z or e.g. '2026-11-26 02:00 UTC'"
        fi
    fi
    BACKUP_KEY=""
    while IFS= read -r candidate; do
        [ -n "$candidate" ] || continue
        stamp=$(key_stamp "$candidate")
        if [[ "$stamp" > "$NOW_STAMP" ]]; then
            log "WARNING: skipping ${candidate}: it is named in the future (the drill started at ${NOW_STAMP}), so its time cannot be trusted"
            continue
        fi
        if [ -n "$BEFORE_STAMP" ] && [[ ! "$stamp" < "$BEFORE_STAMP" ]]; then continue; fi
        BACKUP_KEY=$candidate
    done <<<"$backups"
    [ -n "$BACKUP_KEY" ] ||
        die "no promoted ${DATASTORE} backup under s3://${S3_BUCKET}/${PREFIX}/${BEFORE_STAMP:+ named before ${BEFORE_STAMP}}"
fi
RPO=$((DRILL_STARTED - $(stamp_to_seconds "$(key_stamp "$BACKUP_KEY")")))
expected=$(s3 s3api head-object --bucket "$S3_BUCKET" --key "$BACKUP_KEY" --query Metadata.sha256 --output text) ||
    die "could not read the metadata of ${BACKUP_KEY}"
[[ "$expected" =~ ^[0-9a-f]{64}$ ]] || die "${BACKUP_KEY} has no sha256 metadata; it was never promoted and cannot be trusted"
log "restoring s3://${S3_BUCKET}/${BACKUP_KEY} (${RPO}s old)"

# no_space_message STEP: what a step that ran out of room in WORK needs to say.
no_space_message() {
    printf 'no space left in BACKUP_WORK_DIR (%s, %s free) while %s %s: give the drill more scratch space%s' \
        "$(dirname "$WORK")" "$(free_space "$WORK")" "$1" "$BACKUP_KEY" \
        "$([ "$DATASTORE" = postgres ] && printf '%s' ', or restore with DRILL_RESTORE_JOBS=1, which streams and writes no decrypted file')"
}
# show MESSAGES_FILE: a step's captured messages, on stderr.
show() { if [ -s "$1" ]; then cat "$1" >&2; fi; }

# 2. Fetch and verify.
restore_started=$(now_seconds)
if ! run_step s3 s3 cp --only-show-errors "s3://${S3_BUCKET}/${BACKUP_KEY}" "$WORK/backup.age" 2>"$WORK/download.err"; then
    show "$WORK/download.err"
    if no_space_left "$WORK" "$WORK/download.err"; then die "$(no_space_message downloading)"; fi
    die "could not download ${BACKUP_KEY}"
fi
actual=$(sha256sum "$WORK/backup.age" | cut -d' ' -f1)
[ "$actual" = "$expected" ] ||
    die "checksum mismatch for ${BACKUP_KEY}: metadata says ${expected}, the object hashes to ${actual}; the backup is corrupted"

# decrypt_status AGE_STATUS ZSTD_STATUS [RESTORE_STATUS]: the status of a decrypting pipeline, which names
# the stage that failed by itself (a stage stopped by a broken pipe, 141, only followed a failure
# downstream): 0 none, 21 age, 22 zstd, 23 pg_restore. Nothing is written to disk for it: the disk may be
# what is full.
decrypt_status() {
    if [ "$1" != 0 ] && [ "$1" != 141 ]; then return 21; fi
    if [ "$2" != 0 ] && [ "$2" != 141 ]; then return 22; fi
    if [ "${3:-0}" != 0 ]; then return 23; fi
}
# decrypt_verdict STATUS: fails with what a decrypting pipeline's status says went wrong.
decrypt_verdict() {
    case "$1" in
    0) ;;
    21) die "could not decrypt ${BACKUP_KEY} with AGE_IDENTITY_FILE: wrong key, or a damaged object (see age's message above)" ;;
    22)
        if [ "$STREAM" = 0 ] && no_space_left "$WORK"; then die "$(no_space_message decompressing)"; fi
        die "could not decompress ${BACKUP_KEY}: a damaged object (see zstd's message above)" ;;
    23) die "pg_restore of ${BACKUP_KEY} into ${DRILL_DATABASE} failed" ;;
    *) die "restoring ${BACKUP_KEY} stopped (exit $1)" ;;
    esac
}

# 3. Decrypt and decompress: to a file for a parallel restore; a single-transaction PostgreSQL
#    restore streams instead (step 4), so nothing decrypted touches the disk.
DUMP="$WORK/backup.${EXT}"
RESTORE_JOBS=${DRILL_RESTORE_JOBS:-1}
[[ "$RESTORE_JOBS" =~ ^[1-9][0-9]*$ ]] || die "DRILL_RESTORE_JOBS must be a positive number, got '${RESTORE_JOBS}'"
STREAM=0
if [ "$DATASTORE" = postgres ] && [ "$RESTORE_JOBS" -eq 1 ]; then STREAM=1; fi
decrypt_to_file() {
    set +e
    age -d -i "$AGE_IDENTITY_FILE" "$WORK/backup.age" | zstd -q -d -o "$DUMP"
    decrypt_status "${PIPESTATUS[@]}"
}
if [ "$STREAM" = 0 ]; then
    status=0
    run_step decrypt_to_file || status=$?
    decrypt_verdict "$status"
    rm -f "$WORK/backup.age"
fi

# 4. Restore into the scratch database.
min_count() { # min_count NAME: the minimum DRILL_MIN_ROWS sets for NAME, or nothing
    printf '%s' "${DRILL_MIN_ROWS:-}" | tr ',' '\n' | sed -n "s/^[[:space:]]*${1//./\\.}[[:space:]]*=[[:space:]]*\([0-9][0-9]*\)[[:space:]]*$/\1/p" | tail -n 1
}
# One transaction: on a server with wal_level=minimal (the drill's scratch server), COPY into tables
# created in it and every index build write no WAL, and each index builds with parallel workers. A
# failure leaves an empty database.
restore_streamed() {
    set +e
    age -d -i "$AGE_IDENTITY_FILE" "$WORK/backup.age" | zstd -q -d |
        pg_restore --dbname="$SCRATCH_URL" --single-transaction --no-owner --no-acl --exit-on-error
    decrypt_status "${PIPESTATUS[@]}"
}
restore_mongodb() {
    # The URI may carry a password: through a config file, never on the command line.
    local config="$WORK/mongorestore.yaml"
    (umask 077 && printf 'uri: "%s"\n' "$DRILL_MONGODB_URI" >"$config") &&
        mongorestore --config="$config" --archive="$DUMP" --oplogReplay --drop --quiet
}
case "$DATASTORE" in
postgres)
    DRILL_DATABASE=${DRILL_DATABASE:-runbook_drill}
    [[ "$DRILL_DATABASE" =~ ^[a-z_][a-z0-9_]*$ ]] || die "DRILL_DATABASE '${DRILL_DATABASE}' must be a lowercase identifier"
    [[ "$DRILL_DATABASE" == *drill* || "$DRILL_DATABASE" == *scratch* ]] ||
        die "DRILL_DATABASE '${DRILL_DATABASE}' is dropped and recreated, so its name must contain 'drill' or 'scratch'"
    [[ "$PG_URL" =~ ^(postgres(ql)?://[^/?]*)(/[^?]*)?(\?.*)?$ ]] ||
        die "DRILL_POSTGRES_URL must be a postgres:// URL"
    SCRATCH_URL="${BASH_REMATCH[1]}/${DRILL_DATABASE}${BASH_REMATCH[4]}"
    # The check command gets the URL with its password: an application reads no PGPASSWORD.
    [[ "$DRILL_POSTGRES_URL" =~ ^(postgres(ql)?://[^/?]*)(/[^?]*)?(\?.*)?$ ]]
    SCRATCH_DATABASE_URL="${BASH_REMATCH[1]}/${DRILL_DATABASE}${BASH_REMATCH[4]}"
    psql -X -q -v ON_ERROR_STOP=1 --dbname="$PG_URL" \
        -c "DROP DATABASE IF EXISTS \"${DRILL_DATABASE}\" WITH (FORCE)" -c "CREATE DATABASE \"${DRILL_DATABASE}\"" ||
        die "could not create the scratch database ${DRILL_DATABASE}"
    if [ "$STREAM" = 1 ]; then
        status=0
        run_step restore_streamed || status=$?
        decrypt_verdict "$status"
    else
        run_step pg_restore --dbname="$SCRATCH_URL" --jobs="$RESTORE_JOBS" --no-owner --no-acl --exit-on-error "$DUMP" ||
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
    run_step restore_mongodb || die "mongorestore of ${BACKUP_KEY} failed"
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
    postgres) DATABASE_URL=$SCRATCH_DATABASE_URL run_step sh -c "$DRILL_CHECK_COMMAND" >&2 ;;
    *) run_step sh -c "$DRILL_CHECK_COMMAND" >&2 ;;
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
