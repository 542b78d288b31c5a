"""Run the local Directus in the foreground, for a process manager (honcho, circus, ...).

    python -m shared.directus.serve [--data-dir data/directus] [--port 8055] [--schema FILE]

Installs Directus if missing, writes its `.env`, bootstraps the database on first run, and
on first run (or when the schema file changed) starts it once on a spare port to create the
platform service user and apply the schema. Then it replaces itself with the Directus server, so
the process manager's signals reach Directus directly. Other services read the platform
token from `<data-dir>/secrets.json` (`platform_token`).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import os
import signal
import sys
from pathlib import Path

from shared.directus import schema_ops
from shared.directus.admin_api import AdminApi
from shared.directus.errors import DirectusError
from shared.directus.runtime import (
    DirectusConfig,
    free_port,
    prepare,
    process_env,
    start_command,
    start_directus,
)

SCHEMA_STAMP = ".schema-applied"


def _schema_digest(schema_file: Path | None) -> str:
    return hashlib.sha256(schema_file.read_bytes()).hexdigest() if schema_file else "none"


def first_run_setup(config: DirectusConfig, schema_file: Path | None, timeout: float) -> bool:
    """Create the platform user and apply the schema unless already done; True if it ran."""
    stamp = config.data_dir / SCHEMA_STAMP
    digest = _schema_digest(schema_file)
    if stamp.is_file() and stamp.read_text().strip() == digest:
        return False
    with start_directus(config, timeout) as server:
        if schema_file is not None:
            with AdminApi(server.url, server.admin_token) as api:
                schema_ops.apply(api, schema_ops.load_snapshot(schema_file))
    stamp.write_text(digest + "\n")
    return True


def _exit_on_signal(signum: int, _frame: object) -> None:
    # Turn SIGTERM into SystemExit so a stop during setup also stops the setup server.
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; on success it does not return (it becomes Directus)."""
    parser = argparse.ArgumentParser(prog="python -m shared.directus.serve", description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=Path("data/directus"))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8055)
    parser.add_argument(
        "--schema",
        type=Path,
        default=schema_ops.REPO_SCHEMA,
        help="schema snapshot to apply on first run (default: the repo's)",
    )
    parser.add_argument("--no-schema", action="store_true", help="apply no schema")
    parser.add_argument(
        "--log",
        type=Path,
        default=None,
        help="log of the first-run steps (default: <data-dir>/directus.log)",
    )
    parser.add_argument("--timeout", type=float, default=90.0, help="seconds to wait for ready")
    args = parser.parse_args(argv)
    config = DirectusConfig(
        data_dir=args.data_dir.resolve(), port=args.port, host=args.host, log_file=args.log
    )
    signal.signal(signal.SIGTERM, _exit_on_signal)
    try:
        # The first-run server listens on another port, so that whoever waits for this
        # Directus to be healthy never sees the short-lived setup server instead.
        setup = dataclasses.replace(config, port=free_port())
        first_run_setup(setup, None if args.no_schema else args.schema, args.timeout)
        prepare(config)
    except DirectusError as exc:
        print(f"mateway: {exc}", file=sys.stderr)
        return 1
    command = start_command()
    os.chdir(config.data_dir)
    os.execve(command[0], command, process_env(config))


if __name__ == "__main__":
    sys.exit(main())
