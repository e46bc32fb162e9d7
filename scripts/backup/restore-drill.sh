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

1. Finds the newest promoted backup under s3://S3_BUCKET/<BACKUP_PREFIX>/ and its monthly generation
   monthly/<BACKUP_PREFIX>/ (names start with their UTC timestamp; only objects whose metadata carries
   a sha256 were promoted; when the daily backups have all expired, the monthly copies remain). An
   object named after the drill's start is skipped with a warning: its name, the only record of its
   time, cannot be right, and the RPO would come out negative.
     --key KEY      restore this object instead (e.g. postgres/20261126T020000Z-3f9a0c1e.pgdump.zst.age,
                    monthly/postgres/..., or the name alone), to fall back to an older backup when the
                    newest is damaged; also DRILL_BACKUP_KEY. An object named in the future is refused.
     --before TIME  restore the newest backup named strictly before TIME: a timestamp as in the names
                    (20261126T020000Z) or anything `date -d` reads ("2026-11-26 02:00 UTC"); also
                    DRILL_BEFORE.
   An argument overrides its variable; --key and --before exclude each other.
2. Downloads it with curl (SigV4-signed; the credentials in a mode-0600 file, never on its command
   line) and checks its SHA-256 against that metadata.
3. Decrypts it with the drill's age identity and decompresses it.
4. Restores it into a scratch database:
     postgres  first the roles of the backup's manifest (globals.sql), when the server holds nothing
               but scratch databases (only drill or scratch in their names): then owners, GRANTs and
               default privileges are restored too; elsewhere the restore skips them (--no-owner
               --no-acl) and creates no role. Then into DRILL_DATABASE on the server of
               DRILL_POSTGRES_URL (dropped and created again; its name must contain "drill" or
               "scratch"): with DRILL_RESTORE_JOBS=1, the download streams through SHA-256, age and
               zstd into pg_restore --single-transaction, into DRILL_DATABASE_unverified, which is
               renamed to DRILL_DATABASE only once the whole object matched its SHA-256 (dropped
               otherwise); with more, pg_restore -j from a verified, decrypted file
     redis     starts a local redis-server on the RDB file
     mongodb   mongorestore --oplogReplay --drop into DRILL_MONGODB_URI, then replays every oplog
               capture since the full backup, in order (mongorestore --oplogReplay --oplogFile), after
               checking each capture's SHA-256 and that each starts before the last one ended (a gap
               fails the drill). Unproven until a mongod runs it: no MongoDB server runs in the tests
5. Runs the checks: minimum row (or key) counts; postgres: the row counts of the manifest's largest
   tables, equal to what the backup counted in its dump's snapshot and at least DRILL_ROW_COUNT_FRACTION
   of the previous backup's; the age of the newest DRILL_NEWEST_ROW; the app role's access; an optional
   command; optional asset URLs.
6. Pushes RTO (steps 2-4, seconds, to the millisecond) and RPO (age of the backup, or of the last
   oplog capture replayed, when the drill started, seconds), and the app check's verdict when it ran
   (success, exit code, whether it timed out, its duration).
Any failure exits non-zero and is pushed as a failed drill.

Required environment:
  S3_ENDPOINT_URL        e.g. https://<account-id>.r2.cloudflarestorage.com
  S3_BUCKET              the backups bucket
  AWS_ACCESS_KEY_ID      the drill's read-only R2 token (access key id)
  AWS_SECRET_ACCESS_KEY  the drill's read-only R2 token (secret)
  AGE_IDENTITY_FILE      path of the drill's age private key (mounted from a Secret)
  DRILL_POSTGRES_URL     postgres only: URL of the scratch server, as a role that may create databases
                         (and roles, for owners and privileges to come back)
  DRILL_MONGODB_URI      mongodb only: URL of the scratch replica set
Optional:
  DRILL_DATASTORE        postgres (default), redis or mongodb
  BACKUP_PREFIX          object prefix (default: the datastore)
  DRILL_MONTHLY_PREFIX   the monthly generation (default: monthly/<BACKUP_PREFIX>)
  DRILL_OPLOG_PREFIX     mongodb: the oplog captures' prefix (default: mongodb-oplog)
  DRILL_DATABASE         postgres: scratch database name (default: runbook_drill)
  DRILL_RESTORE_JOBS     postgres: 1 (default) streams the download into one transaction, the fastest
                         on a server with wal_level=minimal; N > 1 runs pg_restore -j N from a file
  DRILL_MIN_ROWS         postgres: "table=count,schema.table=count": each table must hold at least that
                         many rows; redis: "keys=count" (default keys=1)
  DRILL_ROW_COUNT_FRACTION  postgres: each of the previous backup's largest tables must hold at least
                         this fraction of the rows it held then (default 0.9)
  DRILL_NEWEST_ROW       postgres: "table.column" or "schema.table.column", a timestamp column: its
                         newest value must be at most DRILL_MAX_ROW_AGE_SECONDS (default 86400, the
                         RPO target) older than the drill's start
  DRILL_APP_ROLE         postgres: the application's role; it must be able to read DRILL_APP_TABLES
                         (comma-separated; default: every table outside the system schemas) after the
                         restore, as it reads them (SET ROLE): its privileges came back with the data
  DRILL_CHECK_COMMAND    run with `sh -c` and DATABASE_URL set to the restored database, e.g.
                         "npx prisma migrate status"; it must exit 0
  DRILL_APP_CHECK_DIR    postgres: a directory shared with the app check's container (an emptyDir); once
                         the checks above passed, the drill writes `restored` there, then waits for the
                         check's `result` (scripts/backup/drill-app-check.sh) and fails unless it is 0;
                         when the drill ends without that, it writes `abandoned`, which ends the check
  DRILL_APP_CHECK_TIMEOUT_SECONDS  postgres: how long to wait for that result (default 360)
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
require_cmd aws zstd age sha256sum curl tar
[ -r "$AGE_IDENTITY_FILE" ] || die "AGE_IDENTITY_FILE ${AGE_IDENTITY_FILE} is not readable"
if [ "$DATASTORE" = postgres ]; then pg_credentials "$DRILL_POSTGRES_URL"; fi
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-auto}"
PREFIX=$(trim_prefix "${BACKUP_PREFIX:-$DATASTORE}")
MONTHLY=$(trim_prefix "${DRILL_MONTHLY_PREFIX:-$(monthly_prefix_of "$PREFIX")}")

DRILL_STARTED=$(now_seconds)
NOW_STAMP=$(date -u -d "@${DRILL_STARTED}" +%Y%m%dT%H%M%SZ)
WORK=$(mktemp -d "${BACKUP_WORK_DIR:-${TMPDIR:-/tmp}}/drill.XXXXXX")
REDIS_PID=""
DRILL_OK=0
APP_CHECK_METRICS=""
UNVERIFIED_DATABASE=""

finish() {
    local status=$?
    trap - EXIT
    local finished
    finished=$(now_seconds)
    if [ -n "$REDIS_PID" ]; then kill "$REDIS_PID" 2>/dev/null || true; fi
    # The app check waits for a restore; one that never comes (or that it no longer waits on) ends it.
    if [ -n "${DRILL_APP_CHECK_DIR:-}" ]; then : >"${DRILL_APP_CHECK_DIR}/abandoned" 2>/dev/null || true; fi
    if [ "$DATASTORE" = postgres ] && [ -n "${SCRATCH_URL:-}" ]; then
        # An unverified restore never survives the drill, kept or not.
        if [ -n "$UNVERIFIED_DATABASE" ]; then
            psql -X -q --dbname="$PG_URL" -c "DROP DATABASE IF EXISTS \"${UNVERIFIED_DATABASE}\" WITH (FORCE)" >/dev/null 2>&1 ||
                log "WARNING: could not drop the scratch database ${UNVERIFIED_DATABASE}"
        fi
        if [ "${DRILL_KEEP_DATABASE:-false}" != true ]; then
            psql -X -q --dbname="$PG_URL" -c "DROP DATABASE IF EXISTS \"${DRILL_DATABASE}\" WITH (FORCE)" >/dev/null 2>&1 ||
                log "WARNING: could not drop the scratch database ${DRILL_DATABASE}"
        fi
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
            printf '%s' "$APP_CHECK_METRICS"
        } | push_metrics runbook-restore-drill "$DATASTORE" || true
    else
        [ "$status" -ne 0 ] || status=1
        log "drill of ${DATASTORE} FAILED (exit ${status})"
        {
            gauge runbook_restore_drill_last_run_timestamp_seconds "$finished"
            gauge runbook_restore_drill_last_run_success 0
            printf '%s' "$APP_CHECK_METRICS"
        } | push_metrics runbook-restore-drill "$DATASTORE" || true
    fi
    exit "$status"
}
trap finish EXIT
trap 'on_signal 143' TERM
trap 'on_signal 130' INT

# Milliseconds since the epoch: the RTO is measured to the millisecond.
now_ms() { date -u +%s%3N; }
seconds_since() { local ms=$(($(now_ms) - $1)); printf '%d.%03d' $((ms / 1000)) $((ms % 1000)); }

# curl signs its requests itself (SigV4), starts at once and streams with little CPU, which a restore
# competing for two cores notices. Its credentials go in a mode-0600 file, never on its command line.
CURL_CONFIG="$WORK/curl.config"
(
    umask 077
    printf 'user = "%s:%s"\n' "$(printf '%s' "$AWS_ACCESS_KEY_ID" | sed 's/[\\"]/\\&/g')" \
        "$(printf '%s' "$AWS_SECRET_ACCESS_KEY" | sed 's/[\\"]/\\&/g')" >"$CURL_CONFIG"
)
# s3_get KEY [HEADERS_FILE]: the object's bytes on stdout; its response headers (its metadata) into
# HEADERS_FILE. Fails on any HTTP error.
s3_get() {
    curl -fsS --retry 3 --aws-sigv4 "aws:amz:${AWS_DEFAULT_REGION}:s3" -K "$CURL_CONFIG" \
        -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' ${2:+-D "$2"} "${S3_ENDPOINT_URL%/}/${S3_BUCKET}/$1"
}
# meta_of HEADERS_FILE NAME: one x-amz-meta-NAME value of a response.
meta_of() { tr -d '\r' <"$1" | sed -n "s/^[Xx]-[Aa]mz-[Mm]eta-${2}: *//p" | tail -n 1; }
# fetch_verified KEY FILE: downloads an object into FILE and checks it against its sha256 metadata.
fetch_verified() {
    local key=$1 file=$2 expected actual
    s3_get "$key" "$file.headers" >"$file" || return 1
    expected=$(meta_of "$file.headers" sha256)
    [[ "$expected" =~ ^[0-9a-f]{64}$ ]] || { log "${key} has no sha256 metadata"; return 1; }
    actual=$(sha256_hex <"$file")
    [ "$actual" = "$expected" ] || { log "checksum mismatch for ${key}: metadata says ${expected}, the object hashes to ${actual}"; return 1; }
}

# 1. The backup: the newest promoted one, the one --key names, or the newest before --before; daily
#    backups and their monthly copies alike (a monthly copy has the daily's name).
NAME_RE="^(${PREFIX}|${MONTHLY})/${BACKUP_NAME_PATTERN}\.${EXT}\.zst\.age$"
list_keys() { # list_keys PREFIX: every key under PREFIX/, one a line
    s3 s3api list-objects-v2 --bucket "$S3_BUCKET" --prefix "$1/" --query 'Contents[].Key' --output text | tr '\t' '\n'
}
keys=$(list_keys "$PREFIX") ||
    die "could not list s3://${S3_BUCKET}/${PREFIX}/ (check S3_ENDPOINT_URL, S3_BUCKET and the drill's credentials)"
monthly_keys=$(list_keys "$MONTHLY") || die "could not list s3://${S3_BUCKET}/${MONTHLY}/"
# Oldest first by name; where a daily backup and its monthly copy share a name, the daily one.
backups=$(printf '%s\n%s\n' "$keys" "$monthly_keys" | grep -E "$NAME_RE" | awk '{ n = $0; sub(/^.*\//, "", n); print n "\t" $0 }' |
    sort -s -t "$(printf '\t')" -k1,1 | awk -F '\t' '!seen[$1]++ { print $2 }' || true)
key_stamp() { local name=${1##*/}; printf '%s' "${name:0:16}"; }
if [ -n "${DRILL_BACKUP_KEY:-}" ]; then
    BACKUP_KEY=$DRILL_BACKUP_KEY
    if [[ "$BACKUP_KEY" != */* ]]; then
        BACKUP_KEY=$(grep -E "/${BACKUP_KEY//./\\.}$" <<<"$backups" | head -n 1 || true)
        [ -n "$BACKUP_KEY" ] || BACKUP_KEY="${PREFIX}/${DRILL_BACKUP_KEY}"
    fi
    [[ "$BACKUP_KEY" =~ $NAME_RE ]] ||
        die "--key ${DRILL_BACKUP_KEY} is not a ${DATASTORE} backup's name (${PREFIX}/ or ${MONTHLY}/<UTC timestamp>-<run id>.${EXT}.zst.age)"
    grep -qxF "$BACKUP_KEY" <<<"$(printf '%s\n%s\n' "$keys" "$monthly_keys")" || die "no object s3://${S3_BUCKET}/${BACKUP_KEY}"
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
        die "no promoted ${DATASTORE} backup under s3://${S3_BUCKET}/${PREFIX}/${BEFORE_STAMP:+ named before ${BEFORE_STAMP}}, nor a monthly copy under ${MONTHLY}/"
fi
# The backup before it, whose manifest the row counts are compared with.
PREVIOUS_KEY=$(grep -B 1 -xF "$BACKUP_KEY" <<<"$backups" | grep -vxF "$BACKUP_KEY" | tail -n 1 || true)
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
# manifest_key KEY: the manifest beside a PostgreSQL backup (backup-postgres.sh).
manifest_key() { printf '%s.manifest.tar.zst.age' "${1%".${EXT}.zst.age"}"; }
# read_manifest KEY DIR: the manifest of the backup KEY, checked and unpacked into DIR. Returns 1 when
# the backup has none (it was taken before manifests); fails the drill when it has one that cannot be
# trusted or read.
read_manifest() {
    local key dir=$2
    key=$(manifest_key "$1")
    grep -qxF "$key" <<<"$(printf '%s\n%s\n' "$keys" "$monthly_keys")" || return 1
    mkdir -p "$dir"
    fetch_verified "$key" "$dir.age" || die "the manifest ${key} cannot be trusted (see above)"
    age -d -i "$AGE_IDENTITY_FILE" "$dir.age" | zstd -q -d | tar -C "$dir" -xf - ||
        die "could not decrypt ${key} with AGE_IDENTITY_FILE: wrong key, or a damaged object (the manifest of ${1}; see the messages above)"
}

# 2. Fetch and verify. The RTO runs from here to the end of step 4.
restore_started=$(now_ms)
STREAM=0
RESTORE_JOBS=${DRILL_RESTORE_JOBS:-1}
[[ "$RESTORE_JOBS" =~ ^[1-9][0-9]*$ ]] || die "DRILL_RESTORE_JOBS must be a positive number, got '${RESTORE_JOBS}'"
if [ "$DATASTORE" = postgres ] && [ "$RESTORE_JOBS" -eq 1 ]; then STREAM=1; fi
DUMP="$WORK/backup.${EXT}"
# fetch_backup: the object into $WORK/backup.age, or a message naming what failed.
fetch_backup() { s3_get "$BACKUP_KEY" >"$WORK/backup.age"; }
if [ "$STREAM" = 0 ]; then
    if ! run_step fetch_backup 2>"$WORK/download.err"; then
        show "$WORK/download.err"
        if no_space_left "$WORK" "$WORK/download.err"; then die "$(no_space_message downloading)"; fi
        die "could not download ${BACKUP_KEY}"
    fi
    actual=$(sha256_hex <"$WORK/backup.age")
    [ "$actual" = "$expected" ] ||
        die "checksum mismatch for ${BACKUP_KEY}: metadata says ${expected}, the object hashes to ${actual}; the backup is corrupted"
fi

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
    20) die "could not download ${BACKUP_KEY} (see curl's message above)" ;;
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
# The download streams through the SHA-256 (a tee into a FIFO), age and zstd into one pg_restore
# transaction: on a server with wal_level=minimal (the drill's scratch server), COPY into tables created
# in it and every index build write no WAL, and each index builds with parallel workers. The restore goes
# into UNVERIFIED_DATABASE, which becomes DRILL_DATABASE only once the object's SHA-256 matched (step 4's
# verdict): age authenticates every chunk it decrypts, and the checksum still gates what the drill keeps.
# Status: 20 the download failed; else as decrypt_status. The hash is left in $WORK/streamed.sha256.
restore_streamed() {
    set +e
    mkfifo "$WORK/hash.fifo"
    sha256_hex <"$WORK/hash.fifo" >"$WORK/streamed.sha256" &
    local hasher=$!
    s3_get "$BACKUP_KEY" 2>"$WORK/download.err" | tee "$WORK/hash.fifo" | age -d -i "$AGE_IDENTITY_FILE" | zstd -q -d |
        pg_restore --dbname="$UNVERIFIED_URL" --single-transaction "${OWNERSHIP[@]}" --no-tablespaces --exit-on-error
    local codes=("${PIPESTATUS[@]}")
    wait "$hasher"
    if [ "${codes[0]}" != 0 ]; then return 20; fi
    decrypt_status "${codes[2]}" "${codes[3]}" "${codes[4]}"
}
restore_mongodb() {
    mongorestore --config="$MONGO_CONFIG" --archive="$DUMP" --oplogReplay --drop --quiet
}
# MongoDB point in time (issue 17 #11): after the full dump (whose own oplog takes it to the end of the
# dump), every oplog capture named after it, oldest first, each checked against its SHA-256 and replayed
# with mongorestore --oplogReplay --oplogFile. Each capture must start (its oplog-since metadata)
# no later than the one before it ended (its name's time), the first no later than the full dump
# started: a gap would silently skip writes. The RPO is then the age of the last capture replayed.
# Captures of the older --archive format cannot be replayed (mongorestore takes no local.oplog.rs from
# an archive) and are skipped with a warning.
replay_oplog() {
    local oplog_prefix captures legacy key stamp since covered n=0 last="" dir="$WORK/oplog"
    oplog_prefix=$(trim_prefix "${DRILL_OPLOG_PREFIX:-mongodb-oplog}")
    captures=$(list_keys "$oplog_prefix") || die "could not list s3://${S3_BUCKET}/${oplog_prefix}/"
    legacy=$(grep -cE "^${oplog_prefix}/${BACKUP_NAME_PATTERN}\.oplog\.archive\.zst\.age$" <<<"$captures" || true)
    [ "$legacy" = 0 ] || log "WARNING: skipping ${legacy} oplog capture(s) in the old --archive format, which mongorestore cannot replay (docs/recovery.md)"
    captures=$(grep -E "^${oplog_prefix}/${BACKUP_NAME_PATTERN}\.oplog\.bson\.zst\.age$" <<<"$captures" | sort || true)
    covered=$(stamp_to_seconds "$(key_stamp "$BACKUP_KEY")")
    mkdir -p "$dir/empty"
    while IFS= read -r key; do
        [ -n "$key" ] || continue
        stamp=$(key_stamp "$key")
        [[ "$stamp" > "$(key_stamp "$BACKUP_KEY")" ]] || continue
        if [[ "$stamp" > "$NOW_STAMP" ]]; then
            log "WARNING: skipping ${key}: it is named in the future"
            continue
        fi
        n=$((n + 1))
        fetch_verified "$key" "$dir/capture.age" || die "oplog capture ${key} cannot be trusted; point-in-time recovery stops at $(date -u -d "@${covered}" +%Y-%m-%dT%H:%M:%SZ)"
        since=$(meta_of "$dir/capture.age.headers" oplog-since)
        [[ "$since" =~ ^[0-9]+$ ]] || since=$(($(stamp_to_seconds "$stamp") - 3900))
        if [ "$since" -gt "$covered" ]; then
            die "oplog gap: ${key} starts at $(date -u -d "@${since}" +%Y-%m-%dT%H:%M:%SZ), after what was restored ends ($(date -u -d "@${covered}" +%Y-%m-%dT%H:%M:%SZ)): writes in between are in no capture"
        fi
        age -d -i "$AGE_IDENTITY_FILE" "$dir/capture.age" | zstd -q -d -o "$dir/capture.bson" -f ||
            die "could not decrypt the oplog capture ${key}"
        run_step mongorestore --config="$MONGO_CONFIG" --oplogReplay --oplogFile="$dir/capture.bson" --dir="$dir/empty" --quiet ||
            die "mongorestore could not replay the oplog capture ${key}"
        covered=$(stamp_to_seconds "$stamp")
        last=$key
        rm -f "$dir/capture.age" "$dir/capture.bson"
    done <<<"$captures"
    if [ -z "$last" ]; then
        log "no oplog capture after ${BACKUP_KEY}: the restore reaches the full backup's time only"
        return 0
    fi
    RPO=$((DRILL_STARTED - covered))
    log "replayed ${n} oplog capture(s) after the full backup, up to ${last} (${RPO}s old)"
}
# The roles of a PostgreSQL backup, before its objects (whose owners and privileges name them), onto a
# server that holds nothing but scratch databases: elsewhere (a shared server) the drill creates no
# role, and the restore skips owners and privileges. Statements for roles that exist already fail and
# are only counted: pg_dumpall writes CREATE ROLE and ALTER ROLE so that a failing CREATE is harmless.
OWNERSHIP=(--no-owner --no-acl)
ROLES_RESTORED=0
restore_roles() {
    local manifest=$1 scratch_only errors
    if [ ! -s "$manifest/globals.sql" ]; then
        log "WARNING: no roles beside ${BACKUP_KEY} (a backup from before manifests): restoring without owners and privileges"
        return 0
    fi
    scratch_only=$(pg_value "SELECT count(*) = 0 FROM pg_database WHERE datname NOT IN ('postgres', 'template0', 'template1') AND datname !~ '(drill|scratch)'") ||
        die "could not reach the scratch server"
    if [ "$scratch_only" != t ]; then
        log "the server of DRILL_POSTGRES_URL holds other databases than scratch ones: restoring no role, and no owner or privilege"
        return 0
    fi
    psql -X -q --dbname="$PG_URL" -f "$manifest/globals.sql" >/dev/null 2>"$WORK/globals.err" || true
    errors=$(grep -c 'ERROR:' "$WORK/globals.err" || true)
    if grep 'ERROR:' "$WORK/globals.err" | grep -qv 'already exists'; then
        grep 'ERROR:' "$WORK/globals.err" | grep -v 'already exists' | head -n 5 >&2
        log "WARNING: some statements of the backup's roles failed (above); the restore says whether it misses one"
    fi
    log "restored the backup's roles (${errors} statement(s) skipped: roles that exist already, or the like)"
    OWNERSHIP=()
    ROLES_RESTORED=1
}
case "$DATASTORE" in
postgres)
    DRILL_DATABASE=${DRILL_DATABASE:-runbook_drill}
    [[ "$DRILL_DATABASE" =~ ^[a-z_][a-z0-9_]{0,50}$ ]] || die "DRILL_DATABASE '${DRILL_DATABASE}' must be a lowercase identifier of at most 51 characters"
    [[ "$DRILL_DATABASE" == *drill* || "$DRILL_DATABASE" == *scratch* ]] ||
        die "DRILL_DATABASE '${DRILL_DATABASE}' is dropped and recreated, so its name must contain 'drill' or 'scratch'"
    [[ "$PG_URL" =~ ^(postgres(ql)?://[^/?]*)(/[^?]*)?(\?.*)?$ ]] ||
        die "DRILL_POSTGRES_URL must be a postgres:// URL"
    SCRATCH_URL="${BASH_REMATCH[1]}/${DRILL_DATABASE}${BASH_REMATCH[4]}"
    UNVERIFIED_URL="${BASH_REMATCH[1]}/${DRILL_DATABASE}_unverified${BASH_REMATCH[4]}"
    # The check command gets the URL with its password: an application reads no PGPASSWORD.
    [[ "$DRILL_POSTGRES_URL" =~ ^(postgres(ql)?://[^/?]*)(/[^?]*)?(\?.*)?$ ]]
    SCRATCH_DATABASE_URL="${BASH_REMATCH[1]}/${DRILL_DATABASE}${BASH_REMATCH[4]}"
    if read_manifest "$BACKUP_KEY" "$WORK/manifest"; then
        HAS_MANIFEST=1
        restore_roles "$WORK/manifest"
    else
        HAS_MANIFEST=0
        log "WARNING: ${BACKUP_KEY} has no manifest (a backup from before manifests): no roles, and no row counts to check against"
    fi
    target=$DRILL_DATABASE
    if [ "$STREAM" = 1 ]; then
        UNVERIFIED_DATABASE="${DRILL_DATABASE}_unverified"
        target=$UNVERIFIED_DATABASE
    fi
    psql -X -q -v ON_ERROR_STOP=1 --dbname="$PG_URL" \
        -c "DROP DATABASE IF EXISTS \"${DRILL_DATABASE}\" WITH (FORCE)" \
        -c "DROP DATABASE IF EXISTS \"${DRILL_DATABASE}_unverified\" WITH (FORCE)" \
        -c "CREATE DATABASE \"${target}\"" ||
        die "could not create the scratch database ${target}"
    if [ "$STREAM" = 1 ]; then
        status=0
        run_step restore_streamed || status=$?
        if [ "$status" = 20 ]; then
            show "$WORK/download.err"
            decrypt_verdict 20
        fi
        actual=$(cut -d' ' -f1 "$WORK/streamed.sha256" 2>/dev/null || true)
        [ "$actual" = "$expected" ] ||
            die "checksum mismatch for ${BACKUP_KEY}: metadata says ${expected}, the object hashes to ${actual:-nothing}; the backup is corrupted, and its restore was dropped"
        decrypt_verdict "$status"
        psql -X -q -v ON_ERROR_STOP=1 --dbname="$PG_URL" -c "ALTER DATABASE \"${UNVERIFIED_DATABASE}\" RENAME TO \"${DRILL_DATABASE}\"" ||
            die "could not rename ${UNVERIFIED_DATABASE} to ${DRILL_DATABASE}"
        UNVERIFIED_DATABASE=""
    else
        run_step pg_restore --dbname="$SCRATCH_URL" --jobs="$RESTORE_JOBS" "${OWNERSHIP[@]}" --no-tablespaces --exit-on-error "$DUMP" ||
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
    # The URI may carry a password: through a config file, never on the command line.
    MONGO_CONFIG="$WORK/mongorestore.yaml"
    (umask 077 && printf 'uri: "%s"\n' "$DRILL_MONGODB_URI" >"$MONGO_CONFIG")
    run_step restore_mongodb || die "mongorestore of ${BACKUP_KEY} failed"
    replay_oplog
    ;;
esac
RTO=$(seconds_since "$restore_started")
log "restored in ${RTO}s"
# 5. Checks.
# restored_counts MANIFEST_DIR...: "schema<TAB>table<TAB>rows" of every table the manifests list, counted
# in the restored database; a table that is missing there has no line.
restored_counts() {
    local values="" schema table
    for m in "$@"; do
        [ -s "$m/tables.tsv" ] || continue
        while IFS=$'\t' read -r schema table _; do
            [ -n "$table" ] || continue
            values+="${values:+,}('${schema//\'/\'\'}', '${table//\'/\'\'}')"
        done <"$m/tables.tsv"
    done
    [ -n "$values" ] || return 0
    psql -X -q -A -t -F "$(printf '\t')" --dbname="$SCRATCH_URL" 2>"$WORK/counts.err" <<SQL || true
SELECT DISTINCT format('SELECT %L, %L, count(*) FROM ONLY %I.%I;', s, t, s, t) FROM (VALUES ${values}) v(s, t) \gexec
SQL
}
# check_manifest_counts: the restored row counts of the largest tables against what this backup counted
# in its dump's snapshot (they must be equal: anything less is a restore that lost rows), and against
# the previous backup's (at least DRILL_ROW_COUNT_FRACTION of them: a sharp drop between two backups is
# data lost at the source, or a dump of the wrong database).
check_manifest_counts() {
    local fraction=${DRILL_ROW_COUNT_FRACTION:-0.9} dirs=() counted schema table rows got want
    [[ "$fraction" =~ ^(0(\.[0-9]+)?|1(\.0+)?)$ ]] || die "DRILL_ROW_COUNT_FRACTION must be a fraction between 0 and 1, got '${fraction}'"
    [ "${HAS_MANIFEST:-0}" = 1 ] && dirs+=("$WORK/manifest")
    if [ -n "$PREVIOUS_KEY" ]; then
        if read_manifest "$PREVIOUS_KEY" "$WORK/previous"; then
            dirs+=("$WORK/previous")
        else
            log "WARNING: the previous backup, ${PREVIOUS_KEY}, has no manifest: no comparison with it"
        fi
    fi
    [ "${#dirs[@]}" -gt 0 ] || return 0
    counted=$(restored_counts "${dirs[@]}")
    count_of() { awk -F '\t' -v s="$1" -v t="$2" '$1 == s && $2 == t { print $3 }' <<<"$counted"; }
    if [ "${HAS_MANIFEST:-0}" = 1 ]; then
        while IFS=$'\t' read -r schema table rows _; do
            [ -n "$table" ] || continue
            got=$(count_of "$schema" "$table")
            [ -n "$got" ] || die "check failed: ${schema}.${table}, which the backup counted ${rows} rows in, is missing from the restore"
            [ "$got" = "$rows" ] || die "check failed: ${schema}.${table} has ${got} rows after the restore; the backup counted ${rows} in its dump's snapshot"
            log "check passed: ${schema}.${table} has ${got} rows, as the backup counted"
        done <"$WORK/manifest/tables.tsv"
    fi
    if [ -d "$WORK/previous" ]; then
        while IFS=$'\t' read -r schema table rows _; do
            [ -n "$table" ] || continue
            got=$(count_of "$schema" "$table")
            want=$(awk -v r="$rows" -v f="$fraction" 'BEGIN { w = r * f; printf "%d", (w == int(w)) ? w : int(w) + 1 }')
            [ -n "$got" ] || die "check failed: ${schema}.${table}, which held ${rows} rows in the previous backup (${PREVIOUS_KEY}), is missing from the restore"
            [ "$got" -ge "$want" ] ||
                die "check failed: ${schema}.${table} has ${got} rows, under ${fraction} of the ${rows} it held in the previous backup (${PREVIOUS_KEY}): rows were lost between the two backups"
        done <"$WORK/previous/tables.tsv"
        log "check passed: the largest tables hold at least ${fraction} of their rows in the previous backup (${PREVIOUS_KEY})"
    fi
}
# check_newest_row: the newest value of DRILL_NEWEST_ROW (a timestamp column) is at most
# DRILL_MAX_ROW_AGE_SECONDS older than the drill's start: a backup named today that holds last month's
# data (a stale replica, the wrong database) passes no RPO check by its name alone.
check_newest_row() {
    local spec=$DRILL_NEWEST_ROW max_age=${DRILL_MAX_ROW_AGE_SECONDS:-86400} parts newest age
    [[ "$spec" =~ ^([A-Za-z_][A-Za-z0-9_]*\.)?[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$ ]] ||
        die "DRILL_NEWEST_ROW: '${spec}' is not table.column or schema.table.column"
    [[ "$max_age" =~ ^[0-9]+$ ]] || die "DRILL_MAX_ROW_AGE_SECONDS must be a whole number of seconds, got '${max_age}'"
    IFS=. read -r -a parts <<<"$spec"
    [ "${#parts[@]}" = 3 ] || parts=(public "${parts[@]}")
    newest=$(psql -X -q -A -t -v ON_ERROR_STOP=1 --dbname="$SCRATCH_URL" -v s="${parts[0]}" -v t="${parts[1]}" -v c="${parts[2]}" \
        <<<'SELECT coalesce(floor(extract(epoch FROM max(:"c")))::bigint::text, '"'none'"') FROM :"s".:"t";') ||
        die "check failed: could not read the newest ${spec}"
    [ "$newest" != none ] || die "check failed: ${parts[0]}.${parts[1]} has no row with a ${parts[2]}"
    age=$((DRILL_STARTED - newest))
    [ "$age" -le "$max_age" ] ||
        die "check failed: the newest ${spec} is ${age}s old when the drill started, more than ${max_age}s (DRILL_MAX_ROW_AGE_SECONDS, the RPO target): the backup holds older data than its name says"
    log "check passed: the newest ${spec} is ${age}s old (<= ${max_age}s)"
}
# check_app_role: DRILL_APP_ROLE reads every table it needs, as itself (SET ROLE: schema USAGE, table
# SELECT and row-level security all apply): its GRANTs, default privileges and role came back.
check_app_role() {
    local role=$DRILL_APP_ROLE tables=${DRILL_APP_TABLES:-} filter denied
    [[ "$role" =~ ^[a-z_][a-z0-9_]*$ ]] || die "DRILL_APP_ROLE '${role}' must be a lowercase identifier"
    [ "$ROLES_RESTORED" = 1 ] ||
        die "check failed: the app role ${role} cannot be checked: the backup's roles and privileges were not restored (see above)"
    filter="n.nspname NOT IN ('pg_catalog', 'information_schema', 'runbook_backup') AND n.nspname !~ '^pg_(toast|temp)' AND c.relkind IN ('r', 'p', 'v', 'm')"
    if [ -n "$tables" ]; then
        [[ "$tables" =~ ^[A-Za-z_][A-Za-z0-9_.,[:space:]]*$ ]] || die "DRILL_APP_TABLES: '${tables}' is not a comma-separated list of tables"
        filter="c.oid IN ($(printf '%s' "$tables" | tr -d '[:space:]' | tr ',' '\n' | sed "s/.*/to_regclass('&')/" | paste -sd, -))"
    fi
    [ "$(pg_value "SELECT count(*) FROM pg_roles WHERE rolname = '${role}'")" = 1 ] ||
        die "check failed: the app role ${role} does not exist after the restore"
    denied=$(psql -X -q -A -t --dbname="$SCRATCH_URL" -v role="$role" 2>&1 <<SQL | grep -E 'ERROR|missing' || true
SET ROLE :"role";
SELECT 'missing: ' || t FROM unnest(string_to_array('${tables//[[:space:]]/}', ',')) t WHERE t <> '' AND to_regclass(t) IS NULL;
SELECT format('SELECT 1 FROM %I.%I LIMIT 0;', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE ${filter} \gexec
SQL
    )
    [ -z "$denied" ] || die "check failed: the app role ${role} cannot read what it needs after the restore: $(printf '%s' "$denied" | tr '\n' ';' | sed 's/;$//')"
    log "check passed: the app role ${role} reads ${tables:-every table}"
}
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
    check_manifest_counts
    if [ -n "${DRILL_NEWEST_ROW:-}" ]; then check_newest_row; fi
    if [ -n "${DRILL_APP_ROLE:-}" ]; then check_app_role; fi
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
# run_app_check: hands the restored database to the app check, which runs in the app's own image in
# another container of the pod (BK-6), and fails the drill unless its result is 0 within
# DRILL_APP_CHECK_TIMEOUT_SECONDS. The verdict goes into the pushed metrics.
run_app_check() {
    local dir=$DRILL_APP_CHECK_DIR limit=${DRILL_APP_CHECK_TIMEOUT_SECONDS:-360} started verdict seconds
    [ "$DATASTORE" = postgres ] || die "DRILL_APP_CHECK_DIR: the app check runs against a restored PostgreSQL only"
    [[ "$limit" =~ ^[1-9][0-9]*$ ]] || die "DRILL_APP_CHECK_TIMEOUT_SECONDS must be a positive number of seconds, got '${limit}'"
    if [ ! -d "$dir" ] || [ ! -w "$dir" ]; then die "DRILL_APP_CHECK_DIR ${dir} is not a writable directory"; fi
    rm -f "$dir/result"
    started=$(now_ms)
    printf '%s\n' "$DRILL_DATABASE" >"$dir/restored"
    log "the app check runs against ${DRILL_DATABASE} (its output: the log of the pod's app-check container)"
    while [ ! -e "$dir/result" ] && [ $(($(now_ms) - started)) -lt $((limit * 1000)) ]; do sleep 1; done
    seconds=$(seconds_since "$started")
    verdict=$(cat "$dir/result" 2>/dev/null || true)
    if [ -s "$dir/output" ] && [ "$verdict" != 0 ]; then tail -n 20 "$dir/output" | sed 's/^/  app check: /' >&2; fi
    APP_CHECK_METRICS=$(
        gauge runbook_restore_drill_app_check_success "$([ "$verdict" = 0 ] && echo 1 || echo 0)"
        gauge runbook_restore_drill_app_check_timed_out "$([[ "$verdict" =~ ^[0-9]+$ ]] && echo 0 || echo 1)"
        if [[ "$verdict" =~ ^[0-9]+$ ]]; then gauge runbook_restore_drill_app_check_exit_code "$verdict"; fi
        gauge runbook_restore_drill_app_check_seconds "$seconds"
    )
    APP_CHECK_METRICS+=$'\n'
    case "$verdict" in
    0) log "check passed: the app check exited 0 in ${seconds}s" ;;
    timeout) die "check failed: the app check ran longer than its timeout and was stopped" ;;
    "") die "check failed: the app check gave no result within ${limit}s (DRILL_APP_CHECK_TIMEOUT_SECONDS): it hangs, or its container never started" ;;
    *) die "check failed: the app check exited ${verdict} (its output above)" ;;
    esac
}
if [ -n "${DRILL_APP_CHECK_DIR:-}" ]; then run_app_check; fi
if [ -n "${DRILL_ASSET_URLS:-}" ]; then
    # shellcheck disable=SC2086 # the list is whitespace-separated on purpose
    for url in $(printf '%s\n' $DRILL_ASSET_URLS | shuf -n "${DRILL_ASSET_SAMPLE:-5}"); do
        curl -fsS -o /dev/null --max-time 15 "$url" || die "check failed: asset ${url} is not reachable"
        log "check passed: asset ${url}"
    done
fi
DRILL_OK=1
