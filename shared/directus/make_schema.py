"""Regenerate `schema/directus/schema.yaml` from `platform_schema.py`.

    python -m shared.directus.make_schema [--out schema/directus/schema.yaml]

Starts a throwaway Directus in a temporary folder, creates the platform's collections,
fields and relations through its REST API, and writes Directus's own
`directus schema snapshot` of the result, so the YAML is exactly Directus's format.
The throwaway Directus runs on a temporary PostgreSQL cluster (see temp_postgres.py).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from shared.directus import install, platform_schema, schema_ops
from shared.directus.admin_api import AdminApi
from shared.directus.errors import DirectusError
from shared.directus.runtime import (
    DirectusConfig,
    DirectusServer,
    free_port,
    process_env,
    start_directus,
)
from shared.directus.temp_postgres import temp_postgres


def create_platform_schema(api: AdminApi) -> None:
    """Create every platform collection, field and relation on an empty Directus."""
    for payload in platform_schema.USER_FIELDS:
        api.request("POST", f"/fields/{platform_schema.USERS}", json=payload)
    for collection in platform_schema.COLLECTIONS:
        api.request("POST", "/collections", json=collection.payload())
        for payload in collection.fields:
            api.request("POST", f"/fields/{collection.name}", json=payload)
    api.request("POST", "/fields/collections", json=platform_schema.M2M_ALIAS)
    for collection in platform_schema.COLLECTIONS:
        for relation in collection.relations:
            api.request("POST", f"/fields/{collection.name}", json=relation.field_payload())
            api.request("POST", "/relations", json=relation.relation_payload())


def cli_snapshot(server: DirectusServer, out: Path) -> None:
    """Write Directus's own YAML snapshot of a running server's database to `out`."""
    done = subprocess.run(
        [*install.directus_cli(), "schema", "snapshot", "--yes", str(out.resolve())],
        cwd=server.config.data_dir,
        env=process_env(server.config),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise DirectusError(f"directus schema snapshot failed: {done.stdout}{done.stderr}")


def generate(out: Path, use_sqlite: bool = False) -> None:
    """Build the platform schema on a temporary Directus and snapshot it to `out`."""
    with ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="mateway-directus-schema-"))
        db_env = {} if use_sqlite else stack.enter_context(temp_postgres(free_port()))
        config = DirectusConfig(data_dir=Path(tmp), port=free_port(), extra_env=db_env)
        with start_directus(config) as server, AdminApi(server.url, server.admin_token) as api:
            if schema_ops.platform_collections(schema_ops.snapshot(api)):
                raise DirectusError("the temporary Directus is not empty")
            create_platform_schema(api)
            out.parent.mkdir(parents=True, exist_ok=True)
            cli_snapshot(server, out)


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(prog="python -m shared.directus.make_schema")
    parser.add_argument("--out", type=Path, default=schema_ops.REPO_SCHEMA)
    parser.add_argument(
        "--sqlite",
        action="store_true",
        help="snapshot SQLite instead of PostgreSQL (its uuid links do not apply to PostgreSQL)",
    )
    args = parser.parse_args(argv)
    try:
        generate(args.out, args.sqlite)
    except DirectusError as exc:
        print(f"mateway: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
