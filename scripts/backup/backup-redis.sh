#!/usr/bin/env bash
# Daily backup of the in-cluster Redis (BK-1): an RDB snapshot taken over the replication protocol,
# streamed through zstd and age to the backups bucket. ElastiCache: backup-elasticache.sh. See --help.
set -euo pipefail
SCRIPT_NAME=backup-redis
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

usage() {
    cat <<'HELP'
Usage: backup-redis.sh

Takes an RDB snapshot of a Redis server with `redis-cli --rdb` (the server's own fork-and-save,
sent over the replication protocol), compresses it with zstd, encrypts it with age to AGE_RECIPIENT
and uploads it as <BACKUP_PREFIX>/<UTC timestamp>.rdb.zst.age, through a temporary name that is only
promoted once verified. The snapshot is written to BACKUP_WORK_DIR first: `redis-cli --rdb -`
leaves the transfer's end marker in the stream, so only a file is a loadable RDB. The upload is told
the server's memory use (INFO used_memory, plus a quarter) as the stream's largest size.

Required environment:
  REDIS_HOST             e.g. redis.runbook.svc
  REDISCLI_AUTH          the Redis password (read by redis-cli; never passed on the command line)
  S3_ENDPOINT_URL, S3_BUCKET, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AGE_RECIPIENT
                         as for backup-postgres.sh
Optional:
  REDIS_PORT             default 6379
  BACKUP_PREFIX          object prefix (default: redis)
  BACKUP_INCOMING_PREFIX prefix of temporary uploads (default: incoming)
  BACKUP_WORK_DIR        where the RDB file is written (default: $TMPDIR or /tmp)
  ZSTD_LEVEL, PUSHGATEWAY_URL, STACK_NAME, REPLICA_*   as for backup-postgres.sh
Exit status: 0 when a verified backup was promoted, non-zero otherwise.
HELP
}

no_arguments "$@"

require_env REDIS_HOST REDISCLI_AUTH "${BACKUP_REQUIRED_ENV[@]}"
require_cmd redis-cli
export REDISCLI_AUTH

dump_redis() {
    local rdb="$BACKUP_WORK/dump.rdb"
    redis-cli -h "$REDIS_HOST" -p "${REDIS_PORT:-6379}" --no-auth-warning --rdb "$rdb" >&2 &&
        [ -s "$rdb" ] &&
        cat "$rdb"
}

# An upper bound of the snapshot: what the server holds in memory (an RDB is compact), plus a quarter.
used_memory() {
    local bytes
    bytes=$(redis-cli -h "$REDIS_HOST" -p "${REDIS_PORT:-6379}" --no-auth-warning INFO memory | tr -d '\r' | sed -n 's/^used_memory://p')
    [[ "$bytes" =~ ^[0-9]+$ ]] || return 1
    printf '%s\n' $((bytes + bytes / 4))
}

BACKUP_SIZE_FUNCTION=used_memory
run_backup redis rdb dump_redis
