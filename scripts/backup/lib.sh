# shellcheck shell=bash
# Shared by every backup and restore-drill script in this directory, and by
# scripts/monitoring/create-monitor-role.sh (through a link); sourced, never run.
#
# The pipeline every backup follows (BK-1, BK-3, BK-4):
#   dump | zstd | age -r RECIPIENT | upload to <incoming>/<prefix>/<name>.partial
#   verify: download the uploaded object again, its SHA-256 must equal the streamed one
#   promote: server-side copy to <prefix>/<UTC timestamp>.<ext> with the SHA-256 in its metadata,
#            then delete the temporary object
# A restore only ever considers objects directly under <prefix>/ whose name is a timestamp and whose
# metadata carries a SHA-256, so a partial, failed or unverified upload is never taken for a backup.

# Object names sort by time: 20261126T020000Z. Exported for the drill, which picks the newest.
export BACKUP_NAME_PATTERN='[0-9]{8}T[0-9]{6}Z'
# One CopyObject can copy at most 5 GiB; larger objects are copied part by part.
SINGLE_COPY_LIMIT=$((5 * 1024 * 1024 * 1024))

log() { printf '%s %s: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "${SCRIPT_NAME:-backup}" "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }

# no_arguments "$@" : the scripts take no argument but --help, which prints the script's usage().
no_arguments() {
    case "${1:-}" in
    -h | --help) usage; exit 0 ;;
    "") ;;
    *) usage >&2; die "unexpected argument: $1" ;;
    esac
}

# require_env VAR... : fail with one message naming every missing variable.
require_env() {
    local missing=() var
    for var in "$@"; do
        if [ -z "${!var:-}" ]; then missing+=("$var"); fi
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        die "missing required environment: ${missing[*]} (see --help)"
    fi
}

# require_cmd CMD... : fail when a tool the script runs is not installed.
require_cmd() {
    local cmd
    for cmd in "$@"; do
        command -v "$cmd" >/dev/null 2>&1 || die "required command not found on PATH: $cmd"
    done
}

utc_stamp() { date -u +%Y%m%dT%H%M%SZ; }
now_seconds() { date -u +%s; }

# Seconds since the epoch of a name such as 20261126T020000Z.
stamp_to_seconds() {
    local s=$1
    date -u -d "${s:0:4}-${s:4:2}-${s:6:2}T${s:9:2}:${s:11:2}:${s:13:2}Z" +%s
}

# aws against the S3-compatible endpoint (Cloudflare R2: https://<account>.r2.cloudflarestorage.com).
s3() { aws --endpoint-url "$S3_ENDPOINT_URL" "$@"; }

# Removes the trailing slash a user may have written: "postgres/" -> "postgres".
trim_prefix() { local p=${1%/}; printf '%s' "${p#/}"; }

# push_metrics JOB DATASTORE < text exposition
# POST replaces only the metrics it names, so a failed run keeps the last success time and size.
push_metrics() {
    local job=$1 datastore=$2 body
    body=$(cat)
    if [ -z "${PUSHGATEWAY_URL:-}" ]; then
        log "PUSHGATEWAY_URL is not set; metrics not pushed"
        return 0
    fi
    local url="${PUSHGATEWAY_URL%/}/metrics/job/${job}/datastore/${datastore}/stack/${STACK_NAME:-unknown}"
    if ! printf '%s\n' "$body" | curl -fsS --max-time 15 --data-binary @- "$url" >/dev/null; then
        log "WARNING: could not push metrics to ${PUSHGATEWAY_URL}"
        return 1
    fi
}

# gauge NAME VALUE: one gauge in the Prometheus text format.
gauge() { printf '# TYPE %s gauge\n%s %s\n' "$1" "$1" "$2"; }

# sha256_of_object KEY: SHA-256 of an object's bytes, by downloading it.
sha256_of_object() {
    s3 s3 cp --only-show-errors "s3://${S3_BUCKET}/$1" - | sha256sum | cut -d' ' -f1
}

# promote TMP_KEY FINAL_KEY SHA256 DATASTORE: verify the temporary object, copy it to its final name with
# its checksum in the metadata, check the copy, delete the temporary object. Prints the final size.
promote() {
    local tmp_key=$1 final_key=$2 sha=$3 datastore=$4 size uploaded_sha final_sha
    size=$(s3 s3api head-object --bucket "$S3_BUCKET" --key "$tmp_key" --query ContentLength --output text) ||
        die "uploaded object s3://${S3_BUCKET}/${tmp_key} is missing"
    [ "$size" -gt 0 ] 2>/dev/null || die "uploaded object s3://${S3_BUCKET}/${tmp_key} is empty"
    uploaded_sha=$(sha256_of_object "$tmp_key") || die "could not read back s3://${S3_BUCKET}/${tmp_key}"
    [ "$uploaded_sha" = "$sha" ] ||
        die "checksum mismatch after upload of ${tmp_key}: streamed ${sha}, stored ${uploaded_sha}"
    local metadata
    metadata="sha256=${sha},datastore=${datastore},created=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    if [ "$size" -le "$SINGLE_COPY_LIMIT" ]; then
        s3 s3api copy-object --bucket "$S3_BUCKET" --copy-source "${S3_BUCKET}/${tmp_key}" --key "$final_key" \
            --metadata "$metadata" --metadata-directive REPLACE >/dev/null || die "could not promote ${tmp_key} to ${final_key}"
    else
        s3 s3 cp --only-show-errors "s3://${S3_BUCKET}/${tmp_key}" "s3://${S3_BUCKET}/${final_key}" \
            --metadata "$metadata" --metadata-directive REPLACE || die "could not promote ${tmp_key} to ${final_key}"
    fi
    final_sha=$(s3 s3api head-object --bucket "$S3_BUCKET" --key "$final_key" --query Metadata.sha256 --output text) ||
        die "promoted object ${final_key} is missing"
    [ "$final_sha" = "$sha" ] || die "promoted object ${final_key} carries checksum ${final_sha}, expected ${sha}"
    s3 s3 rm --only-show-errors "s3://${S3_BUCKET}/${tmp_key}" || log "WARNING: could not delete ${tmp_key}; the lifecycle rule expires it"
    printf '%s\n' "$size"
}

# What every backup needs besides its datastore's own settings.
BACKUP_REQUIRED_ENV=(S3_ENDPOINT_URL S3_BUCKET AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AGE_RECIPIENT)

# run_backup DATASTORE EXTENSION DUMP_FUNCTION
# Streams the output of DUMP_FUNCTION through zstd and age to a temporary object, then promotes it.
run_backup() {
    local datastore=$1 ext=$2 dump=$3
    require_env "${BACKUP_REQUIRED_ENV[@]}"
    require_cmd aws zstd age sha256sum curl mkfifo
    export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-auto}"
    local prefix incoming stamp name
    prefix=$(trim_prefix "${BACKUP_PREFIX:-$datastore}")
    incoming=$(trim_prefix "${BACKUP_INCOMING_PREFIX:-incoming}")
    stamp=$(utc_stamp)
    name="${stamp}.${ext}.zst.age"
    BACKUP_TMP_KEY="${incoming}/${prefix}/${name}.partial"
    BACKUP_FINAL_KEY="${prefix}/${name}"
    BACKUP_DATASTORE=$datastore
    BACKUP_STARTED=$(now_seconds)
    BACKUP_WORK=$(mktemp -d "${BACKUP_WORK_DIR:-${TMPDIR:-/tmp}}/backup.XXXXXX")
    trap backup_finish EXIT
    trap 'exit 143' TERM
    trap 'exit 130' INT

    log "backing up ${datastore} to s3://${S3_BUCKET}/${BACKUP_FINAL_KEY}"
    # The encrypted stream is hashed on its way to the bucket: tee feeds sha256sum through a FIFO.
    mkfifo "$BACKUP_WORK/hash.fifo"
    sha256sum <"$BACKUP_WORK/hash.fifo" >"$BACKUP_WORK/sha256" &
    BACKUP_HASHER=$!
    "$dump" | zstd -q -T0 "-${ZSTD_LEVEL:-3}" | age -r "$AGE_RECIPIENT" | tee "$BACKUP_WORK/hash.fifo" |
        s3 s3 cp --only-show-errors - "s3://${S3_BUCKET}/${BACKUP_TMP_KEY}" ||
        die "the ${datastore} dump, compression, encryption or upload failed (see the messages above); nothing was promoted"
    wait "$BACKUP_HASHER" || die "could not hash the encrypted stream"
    local sha
    sha=$(cut -d' ' -f1 "$BACKUP_WORK/sha256")
    BACKUP_SIZE=$(promote "$BACKUP_TMP_KEY" "$BACKUP_FINAL_KEY" "$sha" "$datastore")
    BACKUP_OK=1
    log "promoted s3://${S3_BUCKET}/${BACKUP_FINAL_KEY} (${BACKUP_SIZE} bytes, sha256 ${sha})"
}

# EXIT trap of run_backup: remove the temporary object on failure, push metrics, clean up.
backup_finish() {
    local status=$?
    trap - EXIT
    local finished
    finished=$(now_seconds)
    if [ "${BACKUP_OK:-0}" != 1 ]; then
        [ "$status" -ne 0 ] || status=1
        # A hasher still waiting on its FIFO would outlive the script.
        [ -z "${BACKUP_HASHER:-}" ] || kill "$BACKUP_HASHER" 2>/dev/null || true
        if [ -n "${BACKUP_TMP_KEY:-}" ]; then
            s3 s3 rm --only-show-errors "s3://${S3_BUCKET}/${BACKUP_TMP_KEY}" >/dev/null 2>&1 || true
        fi
        log "backup of ${BACKUP_DATASTORE:-?} FAILED (exit ${status}); no backup was promoted"
        {
            gauge runbook_backup_last_run_timestamp_seconds "$finished"
            gauge runbook_backup_last_run_success 0
            gauge runbook_backup_duration_seconds "$((finished - ${BACKUP_STARTED:-finished}))"
        } | push_metrics runbook-backup "${BACKUP_DATASTORE:-unknown}" || true
    else
        {
            gauge runbook_backup_last_success_timestamp_seconds "$finished"
            gauge runbook_backup_last_run_timestamp_seconds "$finished"
            gauge runbook_backup_last_run_success 1
            gauge runbook_backup_size_bytes "$BACKUP_SIZE"
            gauge runbook_backup_duration_seconds "$((finished - BACKUP_STARTED))"
        } | push_metrics runbook-backup "$BACKUP_DATASTORE" || true
    fi
    [ -z "${BACKUP_WORK:-}" ] || rm -rf "$BACKUP_WORK"
    exit "$status"
}
