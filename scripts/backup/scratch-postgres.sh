#!/usr/bin/env bash
# The restore drill's scratch PostgreSQL server (BK-6, BK-7): a throwaway cluster that lives and dies
# with the drill's pod, started by the drill's sidecar from the job image itself. See --help.
set -euo pipefail
SCRIPT_NAME=scratch-postgres
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

usage() {
    cat <<'HELP'
Usage: scratch-postgres.sh [-c name=value ...]

Creates a PostgreSQL cluster in PGDATA (unless one is there already) whose superuser is SCRATCH_USER,
trusted without a password, then runs the server in the foreground with the given settings (the
drill's sidecar passes SCRATCH_POSTGRES_SETTINGS, listen_addresses=127.0.0.1 and the socket directory).
Nothing here is meant to survive: the data is an emptyDir of the drill's pod.

Required environment:
  PGDATA                 the cluster's directory; its parent must be writable (an emptyDir)
Optional:
  SCRATCH_USER           the superuser the drill connects as (default: drill)
HELP
}

case "${1:-}" in
-h | --help) usage; exit 0 ;;
esac
for arg in "$@"; do
    case "$arg" in
    -c | *=*) ;;
    *) usage >&2; die "unexpected argument: ${arg} (only -c name=value settings)" ;;
    esac
done

require_env PGDATA
require_cmd initdb postgres
user=${SCRATCH_USER:-drill}
[[ "$user" =~ ^[a-z_][a-z0-9_]*$ ]] || die "SCRATCH_USER '${user}' must be a lowercase identifier"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    # Trust is safe here: the server listens on the pod's loopback only, and its data is a scratch copy.
    initdb --pgdata="$PGDATA" --username="$user" --auth=trust --encoding=UTF8 --locale=C.UTF-8 --no-sync --no-instructions >&2 ||
        die "initdb could not create the scratch cluster in ${PGDATA}"
fi
log "starting the scratch server in ${PGDATA}"
exec postgres -D "$PGDATA" "$@"
