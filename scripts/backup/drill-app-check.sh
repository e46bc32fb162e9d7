#!/bin/sh
# The restore drill's app check (BK-6): runs in the app's own image, beside the drill's job container,
# a command against the restored database once the drill says the restore finished. POSIX sh: app
# images have no bash. See --help.
set -u

log() { printf '%s drill-app-check: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }

usage() {
    cat <<'HELP'
Usage: drill-app-check.sh COMMAND [ARG...]

1. Waits until the drill writes DRILL_APP_CHECK_DIR/restored (the restore passed its own checks), or
   DRILL_APP_CHECK_DIR/abandoned (the drill ended without a restore to check: then exits 0, the drill
   has failed already and says why).
2. Runs COMMAND with its arguments, its output in DRILL_APP_CHECK_DIR/output (and then in this
   container's log). The restored database reaches it through the app's connection variables
   (DATABASE_URL), which the pod points at the scratch server on its loopback.
3. Stops it (TERM, then KILL 10 seconds later) when it runs longer than DRILL_APP_CHECK_TIMEOUT_SECONDS,
   or when the drill writes `abandoned` meanwhile.
4. Writes DRILL_APP_CHECK_DIR/result: the command's exit status, or `timeout`; then exits with that
   status (124 for a timeout). The container ends on its own, so the drill's Job completes either way.

Required environment:
  DRILL_APP_CHECK_DIR              the directory shared with the drill's job container (an emptyDir)
Optional:
  DRILL_APP_CHECK_TIMEOUT_SECONDS  seconds the command may run (default 300)
  DRILL_APP_CHECK_WAIT_SECONDS     seconds to wait for the restore (default 21600, the drill's deadline)
HELP
}

case "${1:-}" in
-h | --help) usage; exit 0 ;;
esac
[ "$#" -gt 0 ] || { usage >&2; log "FAILED: no command to run"; exit 2; }
dir=${DRILL_APP_CHECK_DIR:-}
if [ -z "$dir" ] || [ ! -d "$dir" ]; then log "FAILED: DRILL_APP_CHECK_DIR '${dir}' is not a directory"; exit 2; fi
timeout=${DRILL_APP_CHECK_TIMEOUT_SECONDS:-300}
wait_limit=${DRILL_APP_CHECK_WAIT_SECONDS:-21600}
case "$timeout$wait_limit" in
*[!0-9]*) log "FAILED: DRILL_APP_CHECK_TIMEOUT_SECONDS and DRILL_APP_CHECK_WAIT_SECONDS must be whole seconds"; exit 2 ;;
esac

# result VALUE: written whole or not at all; the drill reads it as soon as it exists.
result() {
    printf '%s\n' "$1" >"$dir/result.partial" && mv -f "$dir/result.partial" "$dir/result"
}

started=$(date +%s)
while [ ! -e "$dir/restored" ]; do
    if [ -e "$dir/abandoned" ]; then
        log "the drill ended before a restore to check; nothing run"
        exit 0
    fi
    if [ $(($(date +%s) - started)) -ge "$wait_limit" ]; then
        log "FAILED: no restore to check after ${wait_limit}s"
        exit 1
    fi
    sleep 1
done

log "running: $*"
"$@" >"$dir/output" 2>&1 &
pid=$!
started=$(date +%s)
verdict=""
while kill -0 "$pid" 2>/dev/null; do
    if [ -e "$dir/abandoned" ]; then verdict=abandoned; fi
    if [ $(($(date +%s) - started)) -ge "$timeout" ]; then verdict=timeout; fi
    if [ -n "$verdict" ]; then
        kill -TERM "$pid" 2>/dev/null
        n=0
        while kill -0 "$pid" 2>/dev/null && [ "$n" -lt 10 ]; do sleep 1; n=$((n + 1)); done
        kill -KILL "$pid" 2>/dev/null
        break
    fi
    sleep 1
done
status=0
wait "$pid" || status=$?
cat "$dir/output" >&2
case "$verdict" in
timeout)
    log "FAILED: still running after ${timeout}s (DRILL_APP_CHECK_TIMEOUT_SECONDS): stopped"
    result timeout
    exit 124 ;;
abandoned)
    log "the drill stopped waiting for the check: stopped"
    result abandoned
    exit 1 ;;
esac
result "$status"
if [ "$status" -eq 0 ]; then log "passed"; else log "FAILED: exited ${status}"; fi
exit "$status"
