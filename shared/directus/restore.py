"""Restore a backup (or a plain Directus schema snapshot) into an empty Directus.

    python -m shared.directus.restore FILE [--force] [--url URL] [--token TOKEN | --data-dir DIR]

Applies the schema with `/schema/diff` + `/schema/apply`, then, when the file has rows,
creates the users (without passwords: they set a new one) and the platform's rows in
dependency order. Refuses a Directus that already has platform collections unless --force.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shared.directus import schema_ops
from shared.directus.admin_api import AdminApi
from shared.directus.connection import add_connection_args, connect
from shared.directus.errors import DirectusError

BATCH = 200
Rows = list[dict[str, Any]]


@dataclass
class RestoreReport:
    """What a restore did."""

    schema_changed: bool = False
    rows: dict[str, int] = field(default_factory=dict)
    skipped_users: list[str] = field(default_factory=list)
    dropped_file_links: int = 0


def load_backup(path: Path) -> dict[str, Any]:
    """Read a backup file; a plain snapshot becomes a backup without rows."""
    loaded = schema_ops.load_yaml(path)
    if not isinstance(loaded, dict):
        raise DirectusError(f"{path} is neither a Mateway backup nor a Directus snapshot")
    if "mateway_backup" in loaded:
        return loaded
    return {"schema": schema_ops.load_snapshot(path)}


def _create(api: AdminApi, path: str, rows: Rows) -> None:
    for start in range(0, len(rows), BATCH):
        api.request("POST", path, json=rows[start : start + BATCH], params={"fields": "id"})


def _file_links(schema: schema_ops.Snapshot) -> dict[str, list[str]]:
    """Per collection, the fields that point at directus_files."""
    links: dict[str, list[str]] = {}
    for relation in schema.get("relations", []):
        if relation.get("related_collection") == "directus_files":
            links.setdefault(relation["collection"], []).append(relation["field"])
    return links


def _drop_missing_files(api: AdminApi, rows: Rows, fields: list[str]) -> int:
    """Clear links to files absent from the target (files are backed up with the uploads)."""
    present = {f["id"] for f in api.data("GET", "/files", params={"limit": -1, "fields": "id"})}
    dropped = 0
    for row in rows:
        for name in fields:
            if row.get(name) is not None and row[name] not in present:
                row[name] = None
                dropped += 1
    return dropped


# Specials that make Directus overwrite a value on create or update; off during an import
# so that restored rows keep their original times and authors.
AUTO_SPECIALS = {"date-created", "date-updated", "user-created", "user-updated"}


@contextmanager
def _keeping_given_values(
    api: AdminApi, schema: schema_ops.Snapshot, collections: list[str]
) -> Iterator[None]:
    """Switch off the auto-filling specials of `collections` for the duration of an import."""
    changed: list[tuple[str, str, list[str]]] = []
    try:
        for f in schema["fields"]:
            special = (f.get("meta") or {}).get("special") or []
            if f["collection"] in collections and AUTO_SPECIALS & set(special):
                kept = [s for s in special if s not in AUTO_SPECIALS]
                path = f"/fields/{f['collection']}/{f['field']}"
                api.request("PATCH", path, json={"meta": {"special": kept or None}})
                changed.append((f["collection"], f["field"], special))
        yield
    finally:
        for collection, name, special in changed:
            api.request(
                "PATCH", f"/fields/{collection}/{name}", json={"meta": {"special": special}}
            )


def import_rows(api: AdminApi, schema: schema_ops.Snapshot, data: dict[str, Rows]) -> RestoreReport:
    """Create the backup's users and rows in the target Directus."""
    report = RestoreReport()
    existing = {
        u["email"] for u in api.data("GET", "/users", params={"limit": -1, "fields": "email"})
    }
    users = [u for u in data.get("directus_users", []) if u.get("email") not in existing]
    report.skipped_users = sorted(
        str(u.get("email")) for u in data.get("directus_users", []) if u.get("email") in existing
    )
    _create(api, "/users", users)
    report.rows["directus_users"] = len(users)
    links = _file_links(schema)
    names = schema_ops.dependency_order(schema, [c for c in data if c != "directus_users"])
    with _keeping_given_values(api, schema, names):
        for name in names:
            rows = data[name]
            if name in links and rows:
                report.dropped_file_links += _drop_missing_files(api, rows, links[name])
            _create(api, f"/items/{name}", rows)
            report.rows[name] = len(rows)
    return report


def restore(api: AdminApi, document: dict[str, Any], force: bool = False) -> RestoreReport:
    """Apply the backup's schema and import its rows, refusing a non-empty target."""
    present = schema_ops.platform_collections(schema_ops.snapshot(api))
    if present and not force:
        raise DirectusError(
            f"{api.url} already has platform collections ({', '.join(present)}); "
            "restore needs an empty Directus (or --force)"
        )
    schema = document["schema"]
    changed = schema_ops.apply(api, schema)
    report = import_rows(api, schema, document["data"]) if document.get("data") else RestoreReport()
    report.schema_changed = changed
    return report


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(prog="python -m shared.directus.restore", description=__doc__)
    parser.add_argument("file", type=Path, help="backup or schema snapshot YAML")
    parser.add_argument("--force", action="store_true", help="restore into a non-empty Directus")
    add_connection_args(parser)
    args = parser.parse_args(argv)
    try:
        document = load_backup(args.file)
        with connect(args) as api:
            report = restore(api, document, args.force)
    except DirectusError as exc:
        print(f"mateway: restore failed: {exc}", file=sys.stderr)
        return 1
    print(
        f"restored {args.file}: schema {'applied' if report.schema_changed else 'unchanged'}, "
        f"rows {report.rows or 0}"
    )
    if report.skipped_users:
        print(f"users already present, kept as they were: {', '.join(report.skipped_users)}")
    if report.dropped_file_links:
        print(f"{report.dropped_file_links} links to files missing here were cleared")
    return 0


if __name__ == "__main__":
    sys.exit(main())
