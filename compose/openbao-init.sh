#!/usr/bin/env bash
# Initialises OpenBao on its first start and unseals it after every restart.
#
#   compose/openbao-init.sh [docker compose -f ... flags]     (compose/up.sh calls it)
#
# First start: `bao operator init` with OPENBAO_KEY_SHARES / OPENBAO_KEY_THRESHOLD (1/1 by
# default) writes the unseal keys and the root token to compose/openbao-init.json (mode
# 0600, git-ignored). Keep that file's content in a password manager and delete the file
# for production: then this script asks for an unseal key when OpenBao is sealed.
# OPENBAO_BAO=/path/to/bao (with BAO_ADDR) talks to an OpenBao outside compose instead.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
INIT_FILE=${OPENBAO_INIT_FILE:-$HERE/openbao-init.json}
SHARES=${OPENBAO_KEY_SHARES:-1}
THRESHOLD=${OPENBAO_KEY_THRESHOLD:-1}
if [ "$#" -eq 0 ]; then
  set -- -f "$HERE/core.docker-compose.yml"
fi

run_bao() {
  if [ -n "${OPENBAO_BAO:-}" ]; then
    # A `bao` outside compose (an OpenBao elsewhere, or the tests): it reads BAO_ADDR.
    "$OPENBAO_BAO" "$@"
    return
  fi
  docker compose "${COMPOSE_ARGS[@]}" exec -T -e BAO_ADDR=http://127.0.0.1:8200 openbao bao "$@"
}
COMPOSE_ARGS=("$@")
field() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

# "initialized sealed" as two words (True/False), or nothing when OpenBao does not answer.
# `bao status` exits 2 when sealed, so its JSON is read whatever the exit code.
read_status() {
  run_bao status -format=json 2>/dev/null | python3 -c '
import json, sys
try:
    status = json.load(sys.stdin)
except ValueError:
    sys.exit(0)
print(status["initialized"], status["sealed"])' || true
}

status=$(read_status)
[ -n "$status" ] || { echo "mateway: OpenBao did not answer (is the openbao service up?)" >&2; exit 1; }

if [ "${status% *}" = "False" ]; then
  umask 077
  run_bao operator init -key-shares="$SHARES" -key-threshold="$THRESHOLD" -format=json >"$INIT_FILE"
  chmod 600 "$INIT_FILE"
  echo "mateway: OpenBao initialised; unseal keys and root token are in $INIT_FILE"
  echo "mateway: WARNING: store them in a password manager and delete that file on a real server"
  status=$(read_status)
fi

if [ "${status#* }" = "True" ]; then
  for i in $(seq 0 $((THRESHOLD - 1))); do
    if [ -f "$INIT_FILE" ]; then
      key=$(field "['unseal_keys_b64'][$i]" <"$INIT_FILE")
    else
      read -r -s -p "OpenBao unseal key $((i + 1)) of $THRESHOLD: " key </dev/tty
      echo
    fi
    # The key is an argument of a short-lived process inside the container: visible to
    # root on this host for an instant, who can read the OpenBao volume anyway.
    run_bao operator unseal "$key" >/dev/null
  done
  echo "mateway: OpenBao unsealed"
else
  echo "mateway: OpenBao is unsealed"
fi
