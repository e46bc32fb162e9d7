#!/usr/bin/env bash
# Daily full MongoDB backup (BK-1): `mongodump --oplog --archive`, a consistent snapshot of the
# replica set, streamed through zstd and age to the backups bucket. See --help.
set -euo pipefail
SCRIPT_NAME=backup-mongodb
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

usage() {
    cat <<'HELP'
Usage: backup-mongodb.sh

Dumps every database of a MongoDB replica set with `mongodump --oplog --archive` (the oplog entries
written during the dump are included, so the archive restores to one point in time with
`mongorestore --oplogReplay`), compresses it with zstd, encrypts it with age to AGE_RECIPIENT and
uploads it as <BACKUP_PREFIX>/<UTC timestamp>-<run id>.archive.zst.age, through a temporary name that
is only promoted once verified. BACKUP_EXPECTED_SIZE (bytes: the plan passes the data volume's size)
tells the upload how large the stream may grow, which a stream over 50 GB needs.

Required environment:
  MONGODB_URI            connection string of the backup user: mongodb://, its user and password,
                         every member, ?replicaSet=...&authSource=admin
  S3_ENDPOINT_URL, S3_BUCKET, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AGE_RECIPIENT
                         as for backup-postgres.sh
Optional:
  BACKUP_PREFIX          object prefix (default: mongodb)
  BACKUP_EXPECTED_SIZE   an upper bound of the stream's size, in bytes
  BACKUP_MONTHLY_PREFIX  copy the first backup of each month there too (e.g. monthly/mongodb)
  BACKUP_INCOMING_PREFIX, ZSTD_LEVEL, PUSHGATEWAY_URL, STACK_NAME, REPLICA_*   as for backup-postgres.sh
Exit status: 0 when a verified backup was promoted, non-zero otherwise.
HELP
}

no_arguments "$@"

require_env MONGODB_URI "${BACKUP_REQUIRED_ENV[@]}"
require_cmd mongodump

dump_mongodb() {
    # The URI carries the password: pass it through a config file, never on the command line (SC-1).
    local config="$BACKUP_WORK/mongodump.yaml"
    (umask 077 && printf 'uri: "%s"\n' "$MONGODB_URI" >"$config") &&
        mongodump --config="$config" --oplog --archive --quiet
}

run_backup mongodb archive dump_mongodb
