#!/usr/bin/env bash
# Starts Mateway locally: installs what is missing, composes the supergraph from
# supergraph/supergraph.yaml and serves the router (every app in-process).
set -euo pipefail
cd "$(dirname "$0")"

HOST=${MATEWAY_HOST:-127.0.0.1}
PORT=${MATEWAY_PORT:-4000}

MATEWAY_NO_DEV=1 scripts/bootstrap.sh
PY="$PWD/.venv/bin/python"

if ! "$PY" - "$HOST" "$PORT" <<'PYEOF'
import socket, sys
with socket.socket() as s:
    try:
        s.bind((sys.argv[1], int(sys.argv[2])))
    except OSError:
        sys.exit(1)
PYEOF
then
  echo "mateway: port $PORT on $HOST is in use; stop what uses it or set MATEWAY_PORT" >&2
  exit 1
fi

echo "mateway: composing the supergraph"
"$PY" -m router compose
echo "mateway: GraphiQL at http://$HOST:$PORT/graphql  (Ctrl-C stops)"
exec "$PY" -m router serve --host "$HOST" --port "$PORT"
