#!/usr/bin/env bash
# Hourly MongoDB oplog capture (BK-1): the oplog entries of the last OPLOG_WINDOW_SECONDS, streamed
# through zstd and age to the backups bucket, so a restore can replay to any point between two full
# backups. See --help.
set -euo pipefail
SCRIPT_NAME=backup-mongodb-oplog
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

usage() {
    cat <<'HELP'
Usage: backup-mongodb-oplog.sh

Dumps the replica set's oplog (local.oplog.rs) from OPLOG_WINDOW_SECONDS ago until now with
`mongodump --out=-` (one collection as raw BSON: the oplog file `mongorestore --oplogReplay
--oplogFile` replays; mongorestore replays no local.oplog.rs from an --archive), compresses it with zstd,
encrypts it with age to AGE_RECIPIENT and uploads it as
<BACKUP_PREFIX>/<UTC timestamp>-<run id>.oplog.bson.zst.age, through a temporary name that is only
promoted once verified; its metadata records where the window starts (oplog-since, Unix seconds). The
default window (3900 s) overlaps the hourly schedule by five minutes; replaying an oplog entry twice is
harmless, a gap is not. Point-in-time restore: restore the last full backup, then replay each capture
since, in order (docs/recovery.md); the MongoDB restore drill does the same.

Required environment:
  MONGODB_URI            connection string of the backup user (needs read access to local.oplog.rs)
  S3_ENDPOINT_URL, S3_BUCKET, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AGE_RECIPIENT
                         as for backup-postgres.sh
Optional:
  OPLOG_WINDOW_SECONDS   how far back each capture reaches (default 3900)
  BACKUP_PREFIX          object prefix (default: mongodb-oplog)
  BACKUP_INCOMING_PREFIX, ZSTD_LEVEL, PUSHGATEWAY_URL, STACK_NAME, REPLICA_*   as for backup-postgres.sh
Exit status: 0 when a verified capture was promoted, non-zero otherwise.
HELP
}

no_arguments "$@"

require_env MONGODB_URI "${BACKUP_REQUIRED_ENV[@]}"
require_cmd mongodump
window=${OPLOG_WINDOW_SECONDS:-3900}
case "$window" in
'' | *[!0-9]*) die "OPLOG_WINDOW_SECONDS must be a whole number of seconds, got '${window}'" ;;
esac
[ "$window" -ge 3600 ] || die "OPLOG_WINDOW_SECONDS=${window} is shorter than the hourly schedule: captures would leave gaps"
OPLOG_SINCE=$(($(now_seconds) - window))

dump_oplog() {
    local config="$BACKUP_WORK/mongodump.yaml"
    (umask 077 && printf 'uri: "%s"\n' "$MONGODB_URI" >"$config") &&
        mongodump --config="$config" --db=local --collection=oplog.rs \
            --query="{\"ts\": {\"\$gte\": {\"\$timestamp\": {\"t\": ${OPLOG_SINCE}, \"i\": 0}}}}" \
            --out=- --quiet
}

# The drill checks that consecutive captures overlap from this (issue 17 #11).
BACKUP_EXTRA_METADATA="oplog-since=${OPLOG_SINCE}"
run_backup mongodb-oplog oplog.bson dump_oplog
