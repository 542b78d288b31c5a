#!/usr/bin/env bash
# The whole test suite: installs what it needs, then lint, types, tests, benchmarks.
set -euo pipefail
cd "$(dirname "$0")"
scripts/bootstrap.sh
export PATH="$PWD/.venv/bin:$PATH"
echo "== ruff"; ruff check .; ruff format --check .  # each on its own: set -e stops on either
echo "== mypy"; mypy
echo "== pytest"; pytest "$@"
