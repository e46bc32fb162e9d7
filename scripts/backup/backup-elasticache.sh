#!/usr/bin/env bash
# Daily backup of ElastiCache (BK-1, BK-3): a manual snapshot exported to an S3 bucket in the same
# region, then streamed through zstd and age to the backups bucket like every other dump. See --help.
set -euo pipefail
SCRIPT_NAME=backup-elasticache
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

usage() {
    cat <<'HELP'
Usage: backup-elasticache.sh

ElastiCache refuses the replication protocol, so `redis-cli --rdb` cannot dump it. This script
instead:
  1. creates a manual snapshot of the replication group, named <group>-export-<UTC time>-<run id>,
     and waits until it is available;
  2. exports it with CopySnapshot --target-bucket to the export bucket (same region; ElastiCache
     writes <snapshot name>-0001.rdb there) and waits for the .rdb object;
  3. streams the .rdb through zstd and age to the backups bucket as
     <BACKUP_PREFIX>/<UTC timestamp>-<run id>.rdb.zst.age, through a temporary name that is only
     promoted once its checksum is verified: the same object the in-cluster Redis backup writes,
     which the Redis restore drill loads into redis-server;
  4. deletes the exported object and the manual snapshot, on success and on failure alike.
Manual snapshots this job left behind earlier (a run killed while ElastiCache was still creating
one) are deleted at the start of the next run.

Required environment:
  ELASTICACHE_REPLICATION_GROUP_ID   the replication group to snapshot (cluster mode disabled: one .rdb)
  ELASTICACHE_REGION                 its AWS region, which is also the export bucket's
  ELASTICACHE_EXPORT_BUCKET          the S3 bucket ElastiCache may write to
  ELASTICACHE_AWS_ACCESS_KEY_ID, ELASTICACHE_AWS_SECRET_ACCESS_KEY
                                     the export user's key (read from the environment, never from
                                     the command line)
  S3_ENDPOINT_URL, S3_BUCKET, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AGE_RECIPIENT
                                     the backups bucket, as for backup-postgres.sh
Optional:
  ELASTICACHE_WAIT_SECONDS   how long each of the snapshot and the export may take (default 3600)
  ELASTICACHE_POLL_SECONDS   between two looks at their state (default 15)
  BACKUP_PREFIX              object prefix (default: redis)
  BACKUP_INCOMING_PREFIX, ZSTD_LEVEL, PUSHGATEWAY_URL, STACK_NAME   as for backup-postgres.sh
Exit status: 0 when a verified backup was promoted, non-zero otherwise.
HELP
}

no_arguments "$@"

require_env ELASTICACHE_REPLICATION_GROUP_ID ELASTICACHE_REGION ELASTICACHE_EXPORT_BUCKET \
    ELASTICACHE_AWS_ACCESS_KEY_ID ELASTICACHE_AWS_SECRET_ACCESS_KEY "${BACKUP_REQUIRED_ENV[@]}"
require_cmd aws

WAIT_SECONDS=${ELASTICACHE_WAIT_SECONDS:-3600}
POLL_SECONDS=${ELASTICACHE_POLL_SECONDS:-15}
# Snapshot names: letters, digits and single hyphens. The IAM policy allows snapshots named
# <group>-export-* only.
SNAPSHOT_PREFIX="${ELASTICACHE_REPLICATION_GROUP_ID}-export-"
stamp=$(utc_stamp)
SNAPSHOT_NAME="${SNAPSHOT_PREFIX}${stamp,,}-$(run_id)"
SNAPSHOT_CREATED=0
EXPORT_KEY=""

# aws against the AWS account of the replication group, with the export user's key. The backups
# bucket's key stays in AWS_ACCESS_KEY_ID for s3 (lib.sh); these reach only this call's environment.
aws_account() {
    AWS_ACCESS_KEY_ID=$ELASTICACHE_AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY=$ELASTICACHE_AWS_SECRET_ACCESS_KEY \
        AWS_DEFAULT_REGION=$ELASTICACHE_REGION aws --region "$ELASTICACHE_REGION" "$@"
}

snapshot_status() {
    aws_account elasticache describe-snapshots --snapshot-name "$1" --query 'Snapshots[0].SnapshotStatus' --output text
}

# wait_available NAME WHAT: until the snapshot is `available` again (after creating, or after
# exporting); fails on `failed`, on any state it does not know, and after WAIT_SECONDS.
wait_available() {
    local name=$1 what=$2 deadline status
    deadline=$(($(now_seconds) + WAIT_SECONDS))
    while :; do
        status=$(snapshot_status "$name") || die "could not read the state of snapshot ${name}"
        case "$status" in
        available) return 0 ;;
        creating | exporting | copying) ;;
        *) die "snapshot ${name} is '${status}' while ${what}; nothing was backed up" ;;
        esac
        [ "$(now_seconds)" -lt "$deadline" ] || die "snapshot ${name} still '${status}' after ${WAIT_SECONDS} s of ${what} (ELASTICACHE_WAIT_SECONDS)"
        sleep "$POLL_SECONDS"
    done
}

# export_objects: the keys ElastiCache wrote for this run's snapshot, one per line.
export_objects() {
    aws_account s3api list-objects-v2 --bucket "$ELASTICACHE_EXPORT_BUCKET" --prefix "${SNAPSHOT_NAME}-" \
        --query 'Contents[].Key' --output text | tr '\t' '\n' | grep -E '\.rdb$' || true
}

# Manual snapshots of an earlier run of this job that its cleanup could not delete (ElastiCache
# refuses to delete one while it is being created): deleted now, so none outlives a day.
sweep_leftovers() {
    local names name
    names=$(aws_account elasticache describe-snapshots --replication-group-id "$ELASTICACHE_REPLICATION_GROUP_ID" \
        --snapshot-source manual --query 'Snapshots[].SnapshotName' --output text) || {
        log "WARNING: could not list the manual snapshots of ${ELASTICACHE_REPLICATION_GROUP_ID}"
        return 0
    }
    for name in $names; do
        case "$name" in
        "${SNAPSHOT_PREFIX}"*)
            if aws_account elasticache delete-snapshot --snapshot-name "$name" >/dev/null 2>&1; then
                log "deleted ${name}, left behind by an earlier run"
            fi
            ;;
        esac
    done
}

prepare_export() {
    local keys count
    sweep_leftovers
    log "creating snapshot ${SNAPSHOT_NAME} of ${ELASTICACHE_REPLICATION_GROUP_ID}"
    aws_account elasticache create-snapshot --replication-group-id "$ELASTICACHE_REPLICATION_GROUP_ID" \
        --snapshot-name "$SNAPSHOT_NAME" >/dev/null || die "could not create snapshot ${SNAPSHOT_NAME}"
    SNAPSHOT_CREATED=1
    wait_available "$SNAPSHOT_NAME" "creating the snapshot"
    log "exporting ${SNAPSHOT_NAME} to s3://${ELASTICACHE_EXPORT_BUCKET}/"
    aws_account elasticache copy-snapshot --source-snapshot-name "$SNAPSHOT_NAME" --target-snapshot-name "$SNAPSHOT_NAME" \
        --target-bucket "$ELASTICACHE_EXPORT_BUCKET" >/dev/null || die "could not export snapshot ${SNAPSHOT_NAME} to ${ELASTICACHE_EXPORT_BUCKET}"
    wait_available "$SNAPSHOT_NAME" "exporting it"
    local deadline
    deadline=$(($(now_seconds) + WAIT_SECONDS))
    while keys=$(export_objects) && [ -z "$keys" ]; do
        [ "$(now_seconds)" -lt "$deadline" ] || die "no ${SNAPSHOT_NAME}-*.rdb in s3://${ELASTICACHE_EXPORT_BUCKET}/ after ${WAIT_SECONDS} s"
        sleep "$POLL_SECONDS"
    done
    count=$(printf '%s\n' "$keys" | wc -l)
    # One node group, one file: the drill loads one RDB. A sharded group would need one per shard.
    [ "$count" -eq 1 ] || die "the export wrote ${count} .rdb files (${keys//$'\n'/ }); only a group without shards (cluster mode disabled) is supported"
    EXPORT_KEY=$keys
    BACKUP_EXTRA_METADATA="elasticache-snapshot=${SNAPSHOT_NAME}"
}

# The export's size plus a quarter: an upper bound of the compressed, encrypted stream.
export_size() {
    local bytes
    bytes=$(aws_account s3api head-object --bucket "$ELASTICACHE_EXPORT_BUCKET" --key "$EXPORT_KEY" --query ContentLength --output text)
    [[ "$bytes" =~ ^[0-9]+$ ]] || return 1
    printf '%s\n' $((bytes + bytes / 4 + 1048576))
}

dump_export() {
    aws_account s3 cp --only-show-errors "s3://${ELASTICACHE_EXPORT_BUCKET}/${EXPORT_KEY}" -
}

# On success and on failure: this run's exported objects and its manual snapshot go. A snapshot
# ElastiCache is still creating cannot be deleted; the next run's sweep deletes it.
cleanup_export() {
    local key
    for key in $(export_objects 2>/dev/null); do
        aws_account s3 rm --only-show-errors "s3://${ELASTICACHE_EXPORT_BUCKET}/${key}" ||
            log "WARNING: could not delete s3://${ELASTICACHE_EXPORT_BUCKET}/${key}; the bucket's lifecycle expires it within a day"
    done
    if [ "$SNAPSHOT_CREATED" = 1 ]; then
        if aws_account elasticache delete-snapshot --snapshot-name "$SNAPSHOT_NAME" >/dev/null; then
            log "deleted snapshot ${SNAPSHOT_NAME}"
        else
            log "WARNING: could not delete snapshot ${SNAPSHOT_NAME}; the next run deletes it"
        fi
    fi
}

BACKUP_BEFORE_DUMP=prepare_export
BACKUP_CLEANUP=cleanup_export
BACKUP_SIZE_FUNCTION=export_size
run_backup redis rdb dump_export
