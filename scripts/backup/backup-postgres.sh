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
<BACKUP_PREFIX>/<UTC timestamp>.pgdump.zst.age. The upload goes to a temporary name first; only a
verified upload is promoted to its final name, with its SHA-256 in the object metadata.

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
require_cmd pg_dump

dump_postgres() {
    # --no-owner/--no-acl: the restore runs as whoever owns the scratch database.
    pg_dump --dbname="$POSTGRES_URL" --format=custom --compress=0 --no-owner --no-acl
}

run_backup postgres pgdump dump_postgres
