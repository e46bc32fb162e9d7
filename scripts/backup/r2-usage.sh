#!/usr/bin/env bash
# Hourly R2 usage (ST-1, ST-2): each bucket's size and object count from Cloudflare's GraphQL
# Analytics API, pushed to the Pushgateway for the storage budget alerts. See --help.
set -euo pipefail
SCRIPT_NAME=r2-usage
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
    cat <<'HELP'
Usage: r2-usage.sh

Asks Cloudflare's GraphQL Analytics API (r2StorageAdaptiveGroups) for the storage samples of the
account's buckets over the last R2_USAGE_WINDOW_SECONDS, takes each listed bucket's newest sample,
and pushes to the Pushgateway, grouped by job="runbook-r2-usage" and stack:
  runbook_r2_bucket_size_bytes{bucket}   payload plus metadata, in bytes
  runbook_r2_bucket_objects{bucket}      objects
  runbook_r2_usage_last_success_timestamp_seconds, runbook_r2_usage_last_run_timestamp_seconds,
  runbook_r2_usage_last_run_success
A good run replaces the whole group. A run that fails (HTTP error, GraphQL errors, an answer that is
not the expected JSON, a listed bucket without a sample) exits 1 and pushes only its failure, and the
sizes of the buckets it did read, so the last good reading and its time stay.

Required environment:
  CLOUDFLARE_API_TOKEN   a token with Account Analytics Read (read by curl from its stdin, never
                         from its command line)
  CLOUDFLARE_ACCOUNT_ID  the account that owns the buckets (32 hex digits)
  R2_BUCKETS             the buckets to report, separated by spaces
  R2_USAGE_QUERY         the GraphQL query (one line), with the variables $accountTag, $since, $until
Optional:
  CLOUDFLARE_GRAPHQL_URL default https://api.cloudflare.com/client/v4/graphql
  R2_USAGE_WINDOW_SECONDS how far back to look for samples (default 86400)
  PUSHGATEWAY_URL, STACK_NAME   where the metrics go, and their stack label
Exit status: 0 when every listed bucket was read and pushed, non-zero otherwise.
HELP
}

R2_PUSH_GROUP="job/runbook-r2-usage/stack/${STACK_NAME:-unknown}"

# r2_usage_rows BUCKET... < json_flatten output of the API's answer: "bucket size objects" per listed
# bucket that has a sample, from its newest sample (size = payloadSize + metadataSize). Fails with the
# API's messages when the answer carries GraphQL errors (Cloudflare answers them with HTTP 200), and on
# a count that is not a whole number. An account the token cannot see lists no sample at all.
r2_usage_rows() {
    local flat
    flat=$(cat)
    if grep -q '^errors/' <<<"$flat"; then
        log "GraphQL errors: $(sed -n 's#^errors/[0-9]*/message\t##p' <<<"$flat" | paste -sd ';' -)"
        return 1
    fi
    awk -F '\t' -v wanted="$*" '
        BEGIN { split(wanted, list, " "); for (k in list) want[list[k]] = 1 }
        {
            if (split($1, p, "/") != 8 || p[1] != "data" || p[4] != "0" || p[5] != "r2StorageAdaptiveGroups") next
            row = p[6]; field = p[8]
            if (field == "bucketName") bucket[row] = $2
            else if (field == "datetime") at[row] = $2
            else if (field == "payloadSize" || field == "metadataSize" || field == "objectCount") {
                if ($2 !~ /^[0-9]+$/) { printf "not a count: %s = %s\n", $1, $2 > "/dev/stderr"; bad = 1; exit 1 }
                value[row, field] = $2
            }
            rows[row] = 1
        }
        END {
            if (bad) exit 1
            for (r in rows) {
                b = bucket[r]
                if (!(b in want)) continue
                if (!((r, "payloadSize") in value) || !((r, "objectCount") in value)) continue
                if (!(b in newest) || at[r] > newest[b]) { newest[b] = at[r]; pick[b] = r }
            }
            for (b in pick) {
                r = pick[b]
                printf "%s %.0f %s\n", b, value[r, "payloadSize"] + value[r, "metadataSize"], value[r, "objectCount"]
            }
        }
    ' <<<"$flat" | sort
}

# r2_usage_body SINCE UNTIL: the request's JSON: the query and its variables.
r2_usage_body() {
    printf '{"query":%s,"variables":{"accountTag":%s,"since":%s,"until":%s}}' \
        "$(json_string "$(printf '%s' "$R2_USAGE_QUERY" | tr '\n' ' ')")" "$(json_string "$CLOUDFLARE_ACCOUNT_ID")" "$(json_string "$1")" "$(json_string "$2")"
}

# EXIT trap: on failure, push the failure only (POST keeps the last good sizes and success time).
r2_usage_finish() {
    local status=$?
    trap - EXIT
    if [ "${R2_USAGE_OK:-0}" != 1 ]; then
        [ "$status" -ne 0 ] || status=1
        log "R2 usage FAILED (exit ${status}); no new reading"
        {
            printf '%s' "${R2_PARTIAL_METRICS:-}"
            gauge runbook_r2_usage_last_run_timestamp_seconds "$(now_seconds)"
            gauge runbook_r2_usage_last_run_success 0
        } | push_group POST "$R2_PUSH_GROUP" || true
    fi
    [ -z "${R2_WORK:-}" ] || rm -rf "$R2_WORK"
    exit "$status"
}

# bucket_metrics < rows: the per-bucket gauges of r2_usage_rows' rows.
bucket_metrics() {
    local bucket size objects
    printf '# TYPE runbook_r2_bucket_size_bytes gauge\n# TYPE runbook_r2_bucket_objects gauge\n'
    while read -r bucket size objects; do
        printf 'runbook_r2_bucket_size_bytes{bucket="%s"} %s\nrunbook_r2_bucket_objects{bucket="%s"} %s\n' "$bucket" "$size" "$bucket" "$objects"
    done
}

main() {
    no_arguments "$@"
    require_env CLOUDFLARE_API_TOKEN CLOUDFLARE_ACCOUNT_ID R2_BUCKETS R2_USAGE_QUERY
    require_cmd curl awk date
    [[ "$CLOUDFLARE_ACCOUNT_ID" =~ ^[0-9a-f]{32}$ ]] || bad_usage "CLOUDFLARE_ACCOUNT_ID must be 32 hex digits"
    local window=${R2_USAGE_WINDOW_SECONDS:-86400} url=${CLOUDFLARE_GRAPHQL_URL:-https://api.cloudflare.com/client/v4/graphql}
    [[ "$window" =~ ^[1-9][0-9]*$ ]] || bad_usage "R2_USAGE_WINDOW_SECONDS must be a number of seconds"
    trap r2_usage_finish EXIT
    trap 'exit 143' TERM
    trap 'exit 130' INT
    R2_WORK=$(mktemp -d "${TMPDIR:-/tmp}/r2-usage.XXXXXX")
    local now since until code rows unread="" bucket size objects
    now=$(now_seconds)
    until=$(date -u -d "@${now}" +%Y-%m-%dT%H:%M:%SZ)
    since=$(date -u -d "@$((now - window))" +%Y-%m-%dT%H:%M:%SZ)
    r2_usage_body "$since" "$until" >"$R2_WORK/request.json"
    # The token reaches curl as a header read from its stdin: never on a command line (SC-1).
    code=$(printf 'Authorization: Bearer %s\n' "$CLOUDFLARE_API_TOKEN" |
        curl -sS --max-time 60 --retry 2 -H @- -H 'Content-Type: application/json' \
            --data-binary "@$R2_WORK/request.json" -o "$R2_WORK/response.json" -w '%{http_code}' "$url") ||
        die "could not reach ${url}"
    if [ "$code" != 200 ]; then
        die "${url} answered HTTP ${code}: $(head -c 500 "$R2_WORK/response.json" 2>/dev/null | tr '\n' ' ')"
    fi
    json_flatten <"$R2_WORK/response.json" >"$R2_WORK/flat.tsv" || die "${url} answered something that is not JSON"
    # shellcheck disable=SC2086 # R2_BUCKETS is a list separated by spaces
    rows=$(r2_usage_rows $R2_BUCKETS <"$R2_WORK/flat.tsv") || die "${url} answered no usable reading"
    for bucket in $R2_BUCKETS; do
        grep -q "^${bucket} " <<<"$rows" || unread+="${unread:+ }${bucket}"
    done
    if [ -n "$unread" ]; then
        R2_PARTIAL_METRICS=$(bucket_metrics <<<"$rows")$'\n'
        die "no storage sample in the last ${window} s for: ${unread} (a bucket created in the last hours may have none yet; none at all: the token does not reach account ${CLOUDFLARE_ACCOUNT_ID})"
    fi
    {
        bucket_metrics <<<"$rows"
        gauge runbook_r2_usage_last_success_timestamp_seconds "$(now_seconds)"
        gauge runbook_r2_usage_last_run_timestamp_seconds "$(now_seconds)"
        gauge runbook_r2_usage_last_run_success 1
    } | push_group PUT "$R2_PUSH_GROUP" || die "could not push the reading"
    while read -r bucket size objects; do log "${bucket}: ${size} bytes in ${objects} objects"; done <<<"$rows"
    R2_USAGE_OK=1
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then main "$@"; fi
