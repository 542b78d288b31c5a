"""Back up a Directus's schema (and optionally the platform's rows) to one YAML file.

    python -m shared.directus.backup --out FILE [--data] [--url URL] [--token T | --data-dir DIR]

The token is an admin's static token (the platform user's works). Without --url/--token the
local Directus in `--data-dir` (default `data/directus`) is used with its stored secrets.
Files in Directus storage are not included: a backup of the uploads folder covers them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

from shared.directus import schema_ops
from shared.directus.admin_api import AdminApi
from shared.directus.connection import add_connection_args, connect
from shared.directus.errors import DirectusError
from shared.directus.provision import PLATFORM_EMAIL

BACKUP_FORMAT = 1
# Users are exported without password, tokens or role: those are secrets or
# instance-specific ids; restored users set a new password.
USER_FIELDS = ["id", "email", "first_name", "last_name", "status", "language"]


def user_fields(schema: schema_ops.Snapshot) -> list[str]:
    """The directus_users columns a backup keeps: identity plus the platform's own fields."""
    custom = [
        f["field"]
        for f in schema["fields"]
        if f["collection"] == "directus_users" and f.get("schema") is not None
    ]
    return USER_FIELDS + [f for f in custom if f not in USER_FIELDS]


def export_rows(api: AdminApi, schema: schema_ops.Snapshot) -> dict[str, list[dict[str, Any]]]:
    """Every row of the platform collections and the platform users, in restore order."""
    # The platform's service user belongs to each instance (provision.py makes it there).
    service = {"filter[email][_neq]": PLATFORM_EMAIL}
    fields = ",".join(user_fields(schema))
    data: dict[str, list[dict[str, Any]]] = {
        "directus_users": api.data(
            "GET", "/users", params={"limit": -1, "fields": fields, **service}
        )
    }
    collections = schema_ops.platform_collections(schema)
    for name in schema_ops.dependency_order(schema, collections):
        skip = schema_ops.alias_fields(schema, name)
        rows = api.data("GET", f"/items/{name}", params={"limit": -1, "fields": "*", "sort": "id"})
        data[name] = [{k: v for k, v in row.items() if k not in skip} for row in rows]
    return data


def make_backup(api: AdminApi, with_data: bool) -> dict[str, Any]:
    """The backup document: format, time, Directus version, schema and optionally rows."""
    schema = schema_ops.snapshot(api)
    document: dict[str, Any] = {
        "mateway_backup": BACKUP_FORMAT,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "directus": schema.get("directus"),
        "schema": schema,
    }
    if with_data:
        document["data"] = export_rows(api, schema)
    return document


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(prog="python -m shared.directus.backup", description=__doc__)
    parser.add_argument("--out", type=Path, required=True, help="YAML file to write")
    parser.add_argument("--data", action="store_true", help="also export the platform's rows")
    add_connection_args(parser)
    args = parser.parse_args(argv)
    try:
        with connect(args) as api:
            document = make_backup(api, args.data)
    except DirectusError as exc:
        print(f"mateway: backup failed: {exc}", file=sys.stderr)
        return 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(schema_ops.dump_yaml(document))
    rows = sum(len(r) for r in document.get("data", {}).values())
    print(f"wrote {args.out} ({len(document['schema']['collections'])} collections, {rows} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
