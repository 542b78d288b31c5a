#!/usr/bin/env bash
# Starts Mateway locally: installs what is missing, then Valkey, Directus, a Celery worker
# and the router (every app in-process on 127.0.0.1:4000), each waited for by health.
#
#   ./start-server.sh            start in the foreground; Ctrl-C stops every service
#   ./start-server.sh --detach   start in the background and return once all is up
#   ./start-server.sh --status   each service's PID, health and RSS; start durations
#   ./start-server.sh --stop     stop every service
#   ./start-server.sh --compose  the same platform as Docker Compose services (compose/up.sh)
#
# Settings (environment or .env): MATEWAY_PORT (4000), MATEWAY_DIRECTUS_PORT (8055),
# MATEWAY_VALKEY_PORT (6379), MATEWAY_REDIS_URL (an existing Redis instead of Valkey),
# MATEWAY_DATA_DIR (./data), MATEWAY_LOG_DIR (./logs). See docs/admin-guide.md.
set -euo pipefail
cd "$(dirname "$0")"
export MATEWAY_START_T0=${MATEWAY_START_T0:-$(date +%s.%N)}

if [ "${1:-}" = --compose ]; then
  shift
  [ -x compose/up.sh ] || { echo "mateway: compose/up.sh is missing in this version" >&2; exit 1; }
  exec compose/up.sh "$@"
fi

command=start
detach=()
for arg in "$@"; do
  case "$arg" in
    --stop) command=stop ;;
    --status) command=status ;;
    --detach|-d) detach=(--detach) ;;
    -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
    *) echo "mateway: unknown option $arg (see --help)" >&2; exit 2 ;;
  esac
done

if [ "$command" = start ]; then
  MATEWAY_NO_DEV=1 scripts/bootstrap.sh
elif [ ! -x .venv/bin/python ]; then
  echo "mateway: not installed yet (run ./start-server.sh)" >&2
  exit 1
fi
exec .venv/bin/python -m shared.platform "$command" "${detach[@]}"
