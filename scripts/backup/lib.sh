# shellcheck shell=bash
# Shared by every backup and restore-drill script in this directory, and by
# scripts/database/create-roles.sh (through a link); sourced, never run.
#
# The pipeline every backup follows (BK-1, BK-3, BK-4):
#   dump | zstd | age -r RECIPIENT | upload to <incoming>/<prefix>/<name>.partial
#   verify: download the uploaded object again, its SHA-256 must equal the streamed one
#   promote: server-side copy to <prefix>/<name> with the SHA-256 in its metadata,
#            then delete the temporary object
#   replicate (with REPLICA_S3_ENDPOINT_URL): the promoted object, as stored, to a second bucket at
#            another site, verified and promoted there the same way (see replicate)
# <name> is <UTC timestamp>-<run id>.<ext>.zst.age. A restore only ever considers objects directly
# under <prefix>/ whose name starts with a timestamp that is not in the future and whose metadata
# carries a SHA-256, so a partial, failed or unverified upload is never taken for a backup.

# Object names sort by time and are unique per run: 20261126T020000Z-3f9a0c1e. The run id keeps two runs
# that start in the same second (a manual `kubectl create job --from=cronjob/...` beside the schedule)
# from writing, promoting or cleaning up each other's objects (issue 17). Names from before the run id
# (20261126T020000Z) still match, so older backups stay restorable. Exported for the drill.
export BACKUP_NAME_PATTERN='[0-9]{8}T[0-9]{6}Z(-[0-9a-f]{8})?'
# One CopyObject can copy at most 5 GiB; a larger object is copied part by part (copy_object).
# BACKUP_SINGLE_COPY_LIMIT and BACKUP_COPY_PART_SIZE lower the limit and the part size, so that a test
# can run the multipart path with a small object; neither needs setting otherwise.
SINGLE_COPY_LIMIT=${BACKUP_SINGLE_COPY_LIMIT:-$((5 * 1024 * 1024 * 1024))}
COPY_PART_SIZE=${BACKUP_COPY_PART_SIZE:-$((1024 * 1024 * 1024))}

log() { printf '%s %s: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "${SCRIPT_NAME:-backup}" "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }

# bad_usage MESSAGE: the script's usage() on stderr, then fail with MESSAGE.
bad_usage() { usage >&2; die "$*"; }

# no_arguments "$@" : the scripts take no argument but --help, which prints the script's usage().
no_arguments() {
    case "${1:-}" in
    -h | --help) usage; exit 0 ;;
    "") ;;
    *) bad_usage "unexpected argument: $1" ;;
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
# 8 random hex digits: what sets apart two runs started in the same second.
run_id() { od -An -N4 -tx1 /dev/urandom | tr -d ' \n'; }

# Seconds since the epoch of a name that starts with a timestamp, such as 20261126T020000Z-3f9a0c1e.
stamp_to_seconds() {
    local s=$1
    date -u -d "${s:0:4}-${s:4:2}-${s:6:2}T${s:9:2}:${s:11:2}:${s:13:2}Z" +%s
}

# Long steps (a dump, a download, a restore) run as background jobs in their own process group, and the
# script waits for them: bash runs a trap only between commands, so a TERM (the pod being deleted, with
# its 30 s grace period) would otherwise wait for the whole step to end. on_signal stops the step's
# whole group (pipelines, and the programs a function starts), then exits through the EXIT trap.
RUNNING_STEP=""
# run_step COMMAND [ARGS...]: runs COMMAND (a program or a function) that way; returns its exit status.
run_step() {
    local status=0
    set -m
    "$@" &
    RUNNING_STEP=$!
    set +m
    wait "$RUNNING_STEP" || status=$?
    RUNNING_STEP=""
    return "$status"
}
# on_signal STATUS: the TERM and INT trap of every script that runs steps.
on_signal() {
    log "received a signal: stopping"
    if [ -n "$RUNNING_STEP" ]; then kill -TERM -- "-${RUNNING_STEP}" 2>/dev/null || true; fi
    exit "$1"
}

# no_space_left DIR [MESSAGES_FILE]: whether a step failed because DIR's filesystem is full: its messages
# say so (ENOSPC), or less than 1 MiB is left there.
no_space_left() {
    local dir=$1 messages=${2:-} free
    if [ -n "$messages" ] && grep -qiE 'no space left on device|errno 28|ENOSPC' "$messages" 2>/dev/null; then return 0; fi
    free=$(df -Pk "$dir" 2>/dev/null | awk 'NR == 2 { print $4 }')
    [ -n "$free" ] && [ "$free" -lt 1024 ]
}
# free_space DIR: what is left on DIR's filesystem, for a message ("812K").
free_space() { df -Ph "$1" 2>/dev/null | awk 'NR == 2 { print $4 }'; }

# pg_credentials URL: sets PG_URL to URL without its password and exports the password as PGPASSWORD,
# which libpq reads (SC-1). Every process's command line is readable by anyone on the machine (`ps`);
# its environment only by its own user, and the URL reached this script through its environment anyway.
# The password is percent-decoded here, as libpq would decode it from the URL.
pg_credentials() {
    local url=$1 encoded
    if [[ "$url" =~ ^(postgres(ql)?://)([^:@/?#]*):([^@/?#]*)@(.*)$ ]]; then
        encoded=${BASH_REMATCH[4]}
        encoded=${encoded//\\/\\\\}
        printf -v PGPASSWORD '%b' "${encoded//%/\\x}"
        export PGPASSWORD
        PG_URL="${BASH_REMATCH[1]}${BASH_REMATCH[3]}@${BASH_REMATCH[5]}"
    else
        PG_URL=$url
    fi
}

# pg_value SQL: one value from PG_URL, unaligned.
pg_value() { psql -X -q -A -t -v ON_ERROR_STOP=1 --dbname="$PG_URL" -c "$1"; }

# aws against the S3-compatible endpoint (Cloudflare R2: https://<account>.r2.cloudflarestorage.com).
s3() { aws --endpoint-url "$S3_ENDPOINT_URL" "$@"; }

# Removes the trailing slash a user may have written: "postgres/" -> "postgres".
trim_prefix() { local p=${1%/}; printf '%s' "${p#/}"; }

# push_metrics JOB DATASTORE < text exposition
# POST replaces only the metrics it names, so a failed run keeps the last success time and size.
push_metrics() {
    push_group POST "job/$1/datastore/$2/stack/${STACK_NAME:-unknown}"
}

# push_group METHOD GROUPING < text exposition: to the Pushgateway group GROUPING (job/<job>/<label>/<value>...).
# POST replaces the metrics it names in the group; PUT replaces the whole group.
push_group() {
    local method=$1 grouping=$2 body
    body=$(cat)
    if [ -z "${PUSHGATEWAY_URL:-}" ]; then
        log "PUSHGATEWAY_URL is not set; metrics not pushed"
        return 0
    fi
    local url="${PUSHGATEWAY_URL%/}/metrics/${grouping}"
    if ! printf '%s\n' "$body" | curl -fsS --max-time 15 -X "$method" --data-binary @- "$url" >/dev/null; then
        log "WARNING: could not push metrics to ${PUSHGATEWAY_URL}"
        return 1
    fi
}

# json_flatten < JSON: one line per scalar, its path and its value separated by a tab, such as
# `data/viewer/accounts/0/name<TAB>main` (array elements by index; strings without their quotes, escapes
# kept as written; numbers, true, false and null as written). Empty objects and arrays print nothing.
# Fails (status 2, a message on stderr) on text that is not JSON. The job image has no jq; awk is
# part of every Debian system, and this reads the small answers of an API, not files of gigabytes.
json_flatten() {
    awk '
        function fail(what) { printf "not JSON: %s at character %d\n", what, i > "/dev/stderr"; failed = 1; exit 2 }
        function skip() { while (i <= n && index(" \t\r\n", substr(s, i, 1)) > 0) i++ }
        function text(   out, c) {
            out = ""; i++
            while (i <= n) {
                c = substr(s, i, 1)
                if (c == "\\") { out = out c substr(s, i + 1, 1); i += 2; continue }
                if (c == "\"") { i++; return out }
                out = out c; i++
            }
            fail("an unterminated string")
        }
        function value(path,   c, key, index_, start) {
            skip(); c = substr(s, i, 1)
            if (c == "{") {
                i++; skip()
                if (substr(s, i, 1) == "}") { i++; return }
                for (;;) {
                    skip()
                    if (substr(s, i, 1) != "\"") fail("a missing key")
                    key = text(); skip()
                    if (substr(s, i, 1) != ":") fail("a missing colon")
                    i++
                    value(path == "" ? key : path "/" key)
                    skip(); c = substr(s, i, 1); i++
                    if (c == "}") return
                    if (c != ",") fail("a missing comma or brace")
                }
            }
            if (c == "[") {
                i++; skip()
                if (substr(s, i, 1) == "]") { i++; return }
                for (index_ = 0; ; index_++) {
                    value(path "/" index_)
                    skip(); c = substr(s, i, 1); i++
                    if (c == "]") return
                    if (c != ",") fail("a missing comma or bracket")
                }
            }
            if (c == "\"") { printf "%s\t%s\n", path, text(); return }
            start = i
            while (i <= n && index("+-.0123456789Eaeflnrstu", substr(s, i, 1)) > 0) i++
            if (i == start) fail("an unexpected character")
            printf "%s\t%s\n", path, substr(s, start, i - start)
        }
        { s = s $0 "\n" }
        END {
            if (failed) exit 2
            n = length(s); i = 1
            value("")
            skip()
            if (i <= n) fail("text after the value")
        }
    '
}

# gauge NAME VALUE: one gauge in the Prometheus text format.
gauge() { printf '# TYPE %s gauge\n%s %s\n' "$1" "$1" "$2"; }

# sha256_hex: the SHA-256 of stdin, in hex. OpenSSL's (a dependency of ca-certificates), where present,
# uses the CPU's SHA instructions: about a quarter of coreutils' sha256sum's CPU, which a restore
# competing for two cores notices.
sha256_hex() {
    if command -v openssl >/dev/null 2>&1; then
        openssl dgst -sha256 -r | cut -d' ' -f1
    else
        sha256sum | cut -d' ' -f1
    fi
}

# sha256_of_object KEY: SHA-256 of an object's bytes, by downloading it.
sha256_of_object() {
    s3 s3 cp --only-show-errors "s3://${S3_BUCKET}/$1" - | sha256_hex
}

# json_string TEXT: TEXT as a JSON string (an ETag carries quotes).
json_string() {
    local s=${1//\\/\\\\}
    s=${s//\"/\\\"}
    printf '"%s"' "$s"
}

# copy_object SOURCE_KEY DEST_KEY SIZE METADATA: a server-side copy within the bucket, with METADATA
# (k=v,k=v) in place of the source's. Up to SINGLE_COPY_LIMIT one CopyObject; above it (S3 and R2 copy
# at most 5 GiB at once) a multipart copy: CreateMultipartUpload with the metadata, then UploadPartCopy
# of one byte range per part, every part but the last of the same size (R2 requires it), at least
# 5 MiB (S3's minimum) and at most 10,000 of them, then CompleteMultipartUpload; any failure aborts the
# upload, so no part outlives it.
copy_object() {
    local src=$1 dest=$2 size=$3 metadata=$4
    if [ "$size" -le "$SINGLE_COPY_LIMIT" ]; then
        s3 s3api copy-object --bucket "$S3_BUCKET" --copy-source "${S3_BUCKET}/${src}" --key "$dest" \
            --metadata "$metadata" --metadata-directive REPLACE >/dev/null
        return
    fi
    local part=$COPY_PART_SIZE minimum=$((5 * 1024 * 1024)) upload parts="" n=0 start end etag
    [ "$part" -ge "$minimum" ] 2>/dev/null || part=$minimum
    while [ $(((size + part - 1) / part)) -gt 10000 ]; do part=$((part * 2)); done
    upload=$(s3 s3api create-multipart-upload --bucket "$S3_BUCKET" --key "$dest" --metadata "$metadata" \
        --query UploadId --output text) || return 1
    abort_copy() { s3 s3api abort-multipart-upload --bucket "$S3_BUCKET" --key "$dest" --upload-id "$upload" >/dev/null 2>&1 || true; }
    for ((start = 0; start < size; start += part)); do
        n=$((n + 1))
        end=$((start + part - 1))
        [ "$end" -lt "$size" ] || end=$((size - 1))
        if ! etag=$(s3 s3api upload-part-copy --bucket "$S3_BUCKET" --key "$dest" --upload-id "$upload" --part-number "$n" \
            --copy-source "${S3_BUCKET}/${src}" --copy-source-range "bytes=${start}-${end}" --query CopyPartResult.ETag --output text); then
            abort_copy
            return 1
        fi
        parts+="${parts:+,}{\"ETag\":$(json_string "$etag"),\"PartNumber\":${n}}"
    done
    local parts_file
    parts_file=$(mktemp "${BACKUP_WORK:-${TMPDIR:-/tmp}}/parts.XXXXXX")
    printf '{"Parts":[%s]}\n' "$parts" >"$parts_file"
    if ! s3 s3api complete-multipart-upload --bucket "$S3_BUCKET" --key "$dest" --upload-id "$upload" \
        --multipart-upload "file://${parts_file}" >/dev/null; then
        rm -f "$parts_file"
        abort_copy
        return 1
    fi
    rm -f "$parts_file"
    log "copied ${src} to ${dest} in ${n} parts of ${part} bytes (multipart copy)"
}

# promote TMP_KEY FINAL_KEY SHA256 DATASTORE: verify the temporary object, copy it to its final name with
# its checksum in the metadata (and BACKUP_EXTRA_METADATA, k=v,...), check the copy's checksum and
# size, delete the temporary object. Prints the final size.
promote() {
    local tmp_key=$1 final_key=$2 sha=$3 datastore=$4 size uploaded_sha final
    size=$(s3 s3api head-object --bucket "$S3_BUCKET" --key "$tmp_key" --query ContentLength --output text) ||
        die "uploaded object s3://${S3_BUCKET}/${tmp_key} is missing"
    [ "$size" -gt 0 ] 2>/dev/null || die "uploaded object s3://${S3_BUCKET}/${tmp_key} is empty"
    uploaded_sha=$(sha256_of_object "$tmp_key") || die "could not read back s3://${S3_BUCKET}/${tmp_key}"
    [ "$uploaded_sha" = "$sha" ] ||
        die "checksum mismatch after upload of ${tmp_key}: streamed ${sha}, stored ${uploaded_sha}"
    local metadata
    metadata="sha256=${sha},datastore=${datastore},created=$(date -u +%Y-%m-%dT%H:%M:%SZ)${BACKUP_EXTRA_METADATA:+,${BACKUP_EXTRA_METADATA}}"
    copy_object "$tmp_key" "$final_key" "$size" "$metadata" || die "could not promote ${tmp_key} to ${final_key}"
    final=$(s3 s3api head-object --bucket "$S3_BUCKET" --key "$final_key" --query '[Metadata.sha256, ContentLength]' --output text) ||
        die "promoted object ${final_key} is missing"
    [ "$(printf '%s' "$final" | tr -s ' \t' ' ')" = "${sha} ${size}" ] ||
        die "promoted object ${final_key} carries checksum and size '${final}', expected ${sha} and ${size} bytes"
    s3 s3 rm --only-show-errors "s3://${S3_BUCKET}/${tmp_key}" || log "WARNING: could not delete ${tmp_key}; the lifecycle rule expires it"
    printf '%s\n' "$size"
}

# The long-lived generation of a prefix (issue 17 #10): `monthly/<prefix>`, beside the prefix and not
# under it, because R2's lifecycle and lock rules match by prefix: a rule for `postgres/` would expire
# `postgres/monthly/` with the dailies.
monthly_prefix_of() { printf 'monthly/%s' "$1"; }

# newest_backup_before PREFIX EXT NAME: "key<TAB>size" of the newest promoted-looking backup under PREFIX/
# (or, when there is none, under its monthly generation) named before NAME, or nothing.
newest_backup_before() {
    local prefix=$1 ext=$2 name=$3 listing p
    for p in "$prefix" "$(monthly_prefix_of "$prefix")"; do
        listing=$(s3 s3api list-objects-v2 --bucket "$S3_BUCKET" --prefix "${p}/" --query 'Contents[].[Key, Size]' --output text 2>/dev/null) || continue
        listing=$(printf '%s\n' "$listing" | grep -E "^${p}/${BACKUP_NAME_PATTERN}\\.${ext//./\\.}\\.zst\\.age	" |
            awk -F '\t' -v n="${#p}" -v before="${name:0:25}" 'substr($1, n + 2, 25) < before' | sort | tail -n 1)
        if [ -n "$listing" ]; then
            printf '%s\n' "$listing"
            return 0
        fi
    done
}

# What every backup needs besides its datastore's own settings.
BACKUP_REQUIRED_ENV=(S3_ENDPOINT_URL S3_BUCKET AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AGE_RECIPIENT)

# run_backup DATASTORE EXTENSION DUMP_FUNCTION
# Streams the output of DUMP_FUNCTION through zstd and age to a temporary object, then promotes it.
# A script may set, before calling it:
#   BACKUP_SIZE_FUNCTION  prints an upper bound of the encrypted stream's size in bytes (the upload's
#                         --expected-size: `aws s3 cp -` may fail on a stream over 50 GB without it);
#                         BACKUP_EXPECTED_SIZE, when set, wins
#   BACKUP_BEFORE_DUMP    runs first, once the EXIT trap is set (a failure there is a failed backup)
#   BACKUP_CLEANUP        runs on exit, success or failure, before the metrics are pushed; removes
#                         what BACKUP_BEFORE_DUMP made outside the backups bucket
#   BACKUP_AFTER_DUMP     runs once the stream is uploaded; files it (or the dump) leaves in
#                         "$BACKUP_WORK/manifest" become the backup's manifest: a tar, encrypted like the
#                         dump, beside it as <name>.manifest.tar.zst.age, written before the dump is
#                         promoted (a promoted dump always has its manifest)
# With BACKUP_MONTHLY_PREFIX set, the first backup of each month (and its manifest) is also copied there.
run_backup() {
    local datastore=$1 ext=$2 dump=$3
    require_env "${BACKUP_REQUIRED_ENV[@]}"
    require_cmd aws zstd age sha256sum curl mkfifo od tar
    export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-auto}"
    local prefix incoming base name
    prefix=$(trim_prefix "${BACKUP_PREFIX:-$datastore}")
    incoming=$(trim_prefix "${BACKUP_INCOMING_PREFIX:-incoming}")
    base="$(utc_stamp)-$(run_id)"
    name="${base}.${ext}.zst.age"
    BACKUP_TMP_KEY="${incoming}/${prefix}/${name}.partial"
    BACKUP_FINAL_KEY="${prefix}/${name}"
    BACKUP_MANIFEST_KEY="${prefix}/${base}.manifest.tar.zst.age"
    BACKUP_DATASTORE=$datastore
    BACKUP_STARTED=$(now_seconds)
    BACKUP_WORK=$(mktemp -d "${BACKUP_WORK_DIR:-${TMPDIR:-/tmp}}/backup.XXXXXX")
    mkdir "$BACKUP_WORK/manifest"
    trap backup_finish EXIT
    trap 'on_signal 143' TERM
    trap 'on_signal 130' INT

    # A source that must be prepared first (ElastiCache's snapshot and export) does so here, after the
    # traps: a failure there is a failed backup like any other, with its metrics and BACKUP_CLEANUP.
    if [ -n "${BACKUP_BEFORE_DUMP:-}" ]; then "$BACKUP_BEFORE_DUMP"; fi
    if [ -z "${BACKUP_EXPECTED_SIZE:-}" ] && [ -n "${BACKUP_SIZE_FUNCTION:-}" ]; then
        BACKUP_EXPECTED_SIZE=$("$BACKUP_SIZE_FUNCTION") || BACKUP_EXPECTED_SIZE=""
    fi
    if [ -n "${BACKUP_EXPECTED_SIZE:-}" ] && ! [[ "$BACKUP_EXPECTED_SIZE" =~ ^[1-9][0-9]*$ ]]; then
        log "WARNING: ignoring an expected size that is no number of bytes: '${BACKUP_EXPECTED_SIZE}'"
        BACKUP_EXPECTED_SIZE=""
    fi
    log "backing up ${datastore} to s3://${S3_BUCKET}/${BACKUP_FINAL_KEY}${BACKUP_EXPECTED_SIZE:+ (expected at most ${BACKUP_EXPECTED_SIZE} bytes)}"
    # The encrypted stream is hashed on its way to the bucket: tee feeds the hash through a FIFO.
    mkfifo "$BACKUP_WORK/hash.fifo"
    sha256_hex <"$BACKUP_WORK/hash.fifo" >"$BACKUP_WORK/sha256" &
    BACKUP_HASHER=$!
    BACKUP_DUMP=$dump
    local stage=0
    run_step backup_pipeline || stage=$?
    backup_pipeline_verdict "$stage"
    wait "$BACKUP_HASHER" || die "could not hash the encrypted stream"
    local sha
    sha=$(cut -d' ' -f1 "$BACKUP_WORK/sha256")
    if [ -n "${BACKUP_AFTER_DUMP:-}" ]; then "$BACKUP_AFTER_DUMP"; fi
    BACKUP_PREVIOUS=$(newest_backup_before "$prefix" "$ext" "$name") || BACKUP_PREVIOUS=""
    write_manifest
    BACKUP_SIZE=$(promote "$BACKUP_TMP_KEY" "$BACKUP_FINAL_KEY" "$sha" "$datastore")
    BACKUP_OK=1
    log "promoted s3://${S3_BUCKET}/${BACKUP_FINAL_KEY} (${BACKUP_SIZE} bytes, sha256 ${sha})"
    if [ -n "$BACKUP_PREVIOUS" ]; then
        BACKUP_PREVIOUS_SIZE=${BACKUP_PREVIOUS##*$'\t'}
        log "the backup before it, ${BACKUP_PREVIOUS%%$'\t'*}, has ${BACKUP_PREVIOUS_SIZE} bytes"
    fi
    if [ -n "${BACKUP_MONTHLY_PREFIX:-}" ]; then copy_monthly "$prefix" "$base" "$name" "$sha"; fi
    if [ -n "${REPLICA_S3_ENDPOINT_URL:-}" ]; then replicate "$prefix" "$ext" "$sha"; fi
}

# The replica (BK-3, BK-4, BK-8): a second S3-compatible bucket at another site (another account or
# provider) that receives every promoted backup, byte for byte as encrypted here: nothing is decrypted
# on the way. REPLICA_S3_ENDPOINT_URL switches it on; REPLICA_S3_BUCKET is the bucket;
# REPLICA_AWS_ACCESS_KEY_ID and REPLICA_AWS_SECRET_ACCESS_KEY are its own credentials, from a Secret,
# in the environment only; REPLICA_S3_REGION defaults to auto.
REPLICA_REQUIRED_ENV=(REPLICA_S3_ENDPOINT_URL REPLICA_S3_BUCKET REPLICA_AWS_ACCESS_KEY_ID REPLICA_AWS_SECRET_ACCESS_KEY)

# in_replica COMMAND [ARGS...]: runs COMMAND (aws through s3, or a function of this file such as
# promote) with the replica's endpoint, bucket and credentials in place of the primary's, in a subshell,
# so a `die` there ends only the subshell. The settings are exported locals: aws reads them from its
# environment, never from its command line (SC-1), and the primary's are back when this returns.
in_replica() {
    local -x S3_ENDPOINT_URL="$REPLICA_S3_ENDPOINT_URL" S3_BUCKET="$REPLICA_S3_BUCKET"
    local -x AWS_ACCESS_KEY_ID="$REPLICA_AWS_ACCESS_KEY_ID" AWS_SECRET_ACCESS_KEY="$REPLICA_AWS_SECRET_ACCESS_KEY"
    local -x AWS_DEFAULT_REGION="${REPLICA_S3_REGION:-auto}" AWS_SESSION_TOKEN="" AWS_PROFILE=""
    unset AWS_SESSION_TOKEN AWS_PROFILE
    (
        trap - EXIT TERM INT
        "$@"
    )
}

# replicate PREFIX EXT SHA: copies the promoted backup to the replica, then measures the replica's lag.
# A failed copy is a warning and a metric (runbook_backup_replica_last_run_success 0,
# BackupReplicaFailed), never a failed backup: the primary backup is promoted and stays as it is, and
# a non-zero exit would have Kubernetes retry the whole dump.
replicate() {
    local prefix=$1 ext=$2 sha=$3 missing=() var
    REPLICA_ATTEMPTED=1
    REPLICA_OK=0
    for var in "${REPLICA_REQUIRED_ENV[@]}"; do
        if [ -z "${!var:-}" ]; then missing+=("$var"); fi
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        log "WARNING: the replica copy FAILED: missing environment ${missing[*]}; the backup itself is promoted"
    elif replicate_backup "$sha"; then
        REPLICA_OK=1
        log "replicated to s3://${REPLICA_S3_BUCKET}/${BACKUP_FINAL_KEY} (${BACKUP_SIZE} bytes, sha256 ${sha})"
    else
        log "WARNING: the replica copy of ${BACKUP_FINAL_KEY} to s3://${REPLICA_S3_BUCKET}/ FAILED (see the messages above); the backup itself is promoted"
    fi
    if [ "${#missing[@]}" -eq 0 ]; then REPLICA_LAG=$(replica_lag "$prefix" "$ext") || REPLICA_LAG=""; fi
}

# replicate_backup SHA: the dump streamed from the primary to the replica's temporary name (the upload
# told its size), then promoted there as here: read back, its SHA-256 compared with SHA (the one this run
# recorded), copied to its final name with the same metadata, the temporary object deleted. The
# manifest goes first, as here: a promoted dump always has its manifest.
replicate_backup() {
    local sha=$1 stage=0 manifest="$BACKUP_WORK/manifest.tar.zst.age"
    if [ "${BACKUP_HAS_MANIFEST:-0}" = 1 ]; then
        in_replica s3 s3api put-object --bucket "$REPLICA_S3_BUCKET" --key "$BACKUP_MANIFEST_KEY" --body "$manifest" \
            --metadata "sha256=$(sha256_hex <"$manifest"),datastore=${BACKUP_DATASTORE},created=$(date -u +%Y-%m-%dT%H:%M:%SZ)" >/dev/null || {
            log "could not upload the manifest to the replica"
            return 1
        }
    fi
    run_step replica_pipeline || stage=$?
    case "$stage" in
    0) ;;
    10) log "the upload to the replica's s3://${REPLICA_S3_BUCKET}/${BACKUP_TMP_KEY} failed" ;;
    *) log "could not read back s3://${S3_BUCKET}/${BACKUP_FINAL_KEY} for the replica" ;;
    esac
    if [ "$stage" -ne 0 ] || ! in_replica promote "$BACKUP_TMP_KEY" "$BACKUP_FINAL_KEY" "$sha" "$BACKUP_DATASTORE" >/dev/null; then
        in_replica s3 s3 rm --only-show-errors "s3://${REPLICA_S3_BUCKET}/${BACKUP_TMP_KEY}" >/dev/null 2>&1 || true
        # A manifest without its dump is no backup there either (the replica's lock may keep it).
        if [ "${BACKUP_HAS_MANIFEST:-0}" = 1 ]; then
            in_replica s3 s3 rm --only-show-errors "s3://${REPLICA_S3_BUCKET}/${BACKUP_MANIFEST_KEY}" >/dev/null 2>&1 || true
        fi
        return 1
    fi
}

# The replica copy's one pipeline: the primary's promoted object, as stored, into the replica's upload.
# Its exit status: 10 when the upload failed, 11 when the download did.
replica_pipeline() {
    set +e
    s3 s3 cp --only-show-errors "s3://${S3_BUCKET}/${BACKUP_FINAL_KEY}" - |
        in_replica s3 s3 cp --only-show-errors - "s3://${REPLICA_S3_BUCKET}/${BACKUP_TMP_KEY}" --expected-size "$BACKUP_SIZE"
    local codes=("${PIPESTATUS[@]}")
    [ "${codes[1]}" = 0 ] || return 10
    [ "${codes[0]}" = 0 ] || return 11
}

# replica_lag PREFIX EXT: how many seconds the replica's newest backup under PREFIX/ is older than the
# primary's (0 when it holds the newest), from their names; nothing when either cannot be listed or the
# replica holds none.
replica_lag() {
    local prefix=$1 ext=$2 last="99999999T999999Z-ffffffff" primary replica lag
    primary=$(newest_backup_before "$prefix" "$ext" "$last") || return 1
    replica=$(in_replica newest_backup_before "$prefix" "$ext" "$last") || return 1
    [ -n "$primary" ] && [ -n "$replica" ] || return 1
    primary=${primary%%$'\t'*}
    replica=${replica%%$'\t'*}
    lag=$(($(stamp_to_seconds "${primary##*/}") - $(stamp_to_seconds "${replica##*/}")))
    [ "$lag" -ge 0 ] || lag=0
    printf '%s\n' "$lag"
}

# write_manifest: the files in "$BACKUP_WORK/manifest", if any, as one encrypted tar beside the dump.
# A small local file: one PUT with its SHA-256 in the metadata, straight to its final name.
write_manifest() {
    BACKUP_HAS_MANIFEST=0
    [ -n "$(ls -A "$BACKUP_WORK/manifest")" ] || return 0
    local file="$BACKUP_WORK/manifest.tar.zst.age" sha files
    # Members named plainly (globals.sql, not ./globals.sql), for `tar -xf - globals.sql`.
    mapfile -t files < <(cd "$BACKUP_WORK/manifest" && ls -A)
    tar -C "$BACKUP_WORK/manifest" -cf - -- "${files[@]}" | zstd -q | age -r "$AGE_RECIPIENT" >"$file" ||
        die "could not write the manifest of the backup; nothing was promoted"
    sha=$(sha256_hex <"$file")
    s3 s3api put-object --bucket "$S3_BUCKET" --key "$BACKUP_MANIFEST_KEY" --body "$file" \
        --metadata "sha256=${sha},datastore=${BACKUP_DATASTORE},created=$(date -u +%Y-%m-%dT%H:%M:%SZ)" >/dev/null ||
        die "could not upload the manifest s3://${S3_BUCKET}/${BACKUP_MANIFEST_KEY}; nothing was promoted"
    BACKUP_HAS_MANIFEST=1
    log "wrote the manifest s3://${S3_BUCKET}/${BACKUP_MANIFEST_KEY}"
}

# copy_monthly PREFIX BASE NAME SHA: the first backup of a month, and its manifest, copied to the monthly
# generation, where a lifecycle and a lock of their own keep them (issue 17 #10). A copy that fails is
# only a warning: the backup itself is promoted, and the next run copies again, as its month still has none.
copy_monthly() {
    local prefix=$1 base=$2 name=$3 sha=$4 monthly month found
    monthly=$(trim_prefix "$BACKUP_MONTHLY_PREFIX")
    month=${base:0:6}
    found=$(s3 s3api list-objects-v2 --bucket "$S3_BUCKET" --prefix "${monthly}/${month}" --query 'Contents[].Key' --output text 2>/dev/null) || {
        log "WARNING: could not list s3://${S3_BUCKET}/${monthly}/; the next backup copies this month's"
        return 0
    }
    if printf '%s\n' "$found" | tr '\t' '\n' | grep -qE "^${monthly}/${BACKUP_NAME_PATTERN}\\.${name#*.}$" 2>/dev/null; then return 0; fi
    local metadata
    metadata="sha256=${sha},datastore=${BACKUP_DATASTORE},created=$(date -u +%Y-%m-%dT%H:%M:%SZ),generation=monthly${BACKUP_EXTRA_METADATA:+,${BACKUP_EXTRA_METADATA}}"
    if [ "${BACKUP_HAS_MANIFEST:-0}" = 1 ] &&
        ! s3 s3api copy-object --bucket "$S3_BUCKET" --copy-source "${S3_BUCKET}/${BACKUP_MANIFEST_KEY}" \
            --key "${monthly}/${base}.manifest.tar.zst.age" >/dev/null; then
        log "WARNING: could not copy the manifest to ${monthly}/; the next backup copies this month's"
        return 0
    fi
    if copy_object "$BACKUP_FINAL_KEY" "${monthly}/${name}" "$BACKUP_SIZE" "$metadata"; then
        log "the first backup of ${month:0:4}-${month:4:2}: copied to s3://${S3_BUCKET}/${monthly}/${name}"
    else
        log "WARNING: could not copy ${BACKUP_FINAL_KEY} to ${monthly}/; the next backup copies this month's"
    fi
}

# The backup's one pipeline. Its exit status names the stage that failed (nothing is written to disk
# for it: the disk may be what is full): the upload (10), since every stage before it then stops on a
# broken pipe; or else the first stage that failed: the dump (11), zstd (12), age (13), tee (14).
backup_pipeline() {
    set +e
    "$BACKUP_DUMP" | zstd -q -T0 "-${ZSTD_LEVEL:-3}" | age -r "$AGE_RECIPIENT" | tee "$BACKUP_WORK/hash.fifo" |
        s3 s3 cp --only-show-errors - "s3://${S3_BUCKET}/${BACKUP_TMP_KEY}" ${BACKUP_EXPECTED_SIZE:+--expected-size "$BACKUP_EXPECTED_SIZE"}
    local codes=("${PIPESTATUS[@]}") stage
    [ "${codes[4]}" = 0 ] || return 10
    for stage in 0 1 2 3; do
        [ "${codes[$stage]}" = 0 ] || return $((11 + stage))
    done
}

# backup_pipeline_verdict STATUS: fails with what the status of backup_pipeline says went wrong.
backup_pipeline_verdict() {
    local done="nothing was promoted"
    case "$1" in
    0) ;;
    10) die "the upload to s3://${S3_BUCKET}/${BACKUP_TMP_KEY} failed (see the messages above); ${done}" ;;
    11)
        if no_space_left "$BACKUP_WORK"; then
            die "the ${BACKUP_DATASTORE} dump failed: no space left in BACKUP_WORK_DIR ($(dirname "$BACKUP_WORK"), $(free_space "$BACKUP_WORK") free); ${done}"
        fi
        die "the ${BACKUP_DATASTORE} dump failed (see the messages above); ${done}" ;;
    12) die "compression (zstd) failed (see the messages above); ${done}" ;;
    13) die "encryption (age) failed (see the messages above); ${done}" ;;
    14) die "could not hash the encrypted stream (tee failed); ${done}" ;;
    *) die "the ${BACKUP_DATASTORE} backup pipeline stopped (exit $1); ${done}" ;;
    esac
}

# EXIT trap of run_backup: remove the temporary object on failure, push metrics, clean up.
backup_finish() {
    local status=$?
    trap - EXIT
    local finished
    if [ -n "${BACKUP_CLEANUP:-}" ]; then "$BACKUP_CLEANUP" || true; fi
    finished=$(now_seconds)
    if [ "${BACKUP_OK:-0}" != 1 ]; then
        [ "$status" -ne 0 ] || status=1
        # A hasher still waiting on its FIFO would outlive the script.
        [ -z "${BACKUP_HASHER:-}" ] || kill "$BACKUP_HASHER" 2>/dev/null || true
        # Only this run's own temporary object: its name carries the run id.
        if [ -n "${BACKUP_TMP_KEY:-}" ]; then
            s3 s3 rm --only-show-errors "s3://${S3_BUCKET}/${BACKUP_TMP_KEY}" >/dev/null 2>&1 || true
        fi
        # A manifest whose dump was never promoted is no backup; the lock may keep it until it expires.
        if [ "${BACKUP_HAS_MANIFEST:-0}" = 1 ]; then
            s3 s3 rm --only-show-errors "s3://${S3_BUCKET}/${BACKUP_MANIFEST_KEY}" >/dev/null 2>&1 || true
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
            # 0 when there was none: the size-drop alert compares only with a real predecessor.
            gauge runbook_backup_previous_size_bytes "${BACKUP_PREVIOUS_SIZE:-0}"
            gauge runbook_backup_duration_seconds "$((finished - BACKUP_STARTED))"
            if [ "${REPLICA_ATTEMPTED:-0}" = 1 ]; then
                gauge runbook_backup_replica_last_run_success "${REPLICA_OK:-0}"
                if [ "${REPLICA_OK:-0}" = 1 ]; then gauge runbook_backup_replica_last_success_timestamp_seconds "$finished"; fi
                if [ -n "${REPLICA_LAG:-}" ]; then gauge runbook_backup_replica_lag_seconds "$REPLICA_LAG"; fi
            fi
        } | push_metrics runbook-backup "$BACKUP_DATASTORE" || true
    fi
    [ -z "${BACKUP_WORK:-}" ] || rm -rf "$BACKUP_WORK"
    exit "$status"
}
