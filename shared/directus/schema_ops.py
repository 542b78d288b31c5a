"""Directus schema snapshots and applying them, through `/schema/snapshot|diff|apply`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from shared.directus.admin_api import AdminApi
from shared.directus.errors import DirectusError

Snapshot = dict[str, Any]

REPO_SCHEMA = Path(__file__).resolve().parents[2] / "schema" / "directus" / "schema.yaml"


def snapshot(api: AdminApi) -> Snapshot:
    """The current schema of a Directus, in the format of `directus schema snapshot`."""
    data = api.data("GET", "/schema/snapshot")
    if not isinstance(data, dict) or "collections" not in data:
        raise DirectusError(f"{api.url}/schema/snapshot did not return a snapshot")
    return data


def apply(api: AdminApi, target: Snapshot) -> bool:
    """Make a Directus's schema equal `target`; False when it already was.

    `force=true` lets a snapshot taken on one database vendor or Directus version apply to
    another (SQLite locally, PostgreSQL in compose), which Directus refuses by default.
    """
    diff = api.data("POST", "/schema/diff", params={"force": "true"}, json=target)
    if diff is None:
        return False
    api.request("POST", "/schema/apply", json=diff)
    return True


def load_yaml(path: Path) -> Any:
    """Parse a YAML file, with libyaml's fast loader when PyYAML has it (snapshots are large)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(path.read_text(), Loader=loader)


def load_snapshot(path: Path) -> Snapshot:
    """Read a snapshot YAML file (Directus's own, or the `schema` part of a backup)."""
    loaded = load_yaml(path)
    if not isinstance(loaded, dict):
        raise DirectusError(f"{path} is not a Directus schema snapshot")
    found = loaded.get("schema", loaded)
    if not isinstance(found, dict) or "collections" not in found:
        raise DirectusError(f"{path} has no Directus schema snapshot")
    return found


def dump_yaml(document: Any) -> str:
    """YAML in block style with keys in their given order, like Directus writes it."""
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(document, Dumper=dumper, sort_keys=False, allow_unicode=True)


def platform_collections(schema: Snapshot) -> list[str]:
    """The non-system collections that hold rows (folders, which have no table, left out)."""
    return [
        c["collection"]
        for c in schema["collections"]
        if not c["collection"].startswith("directus_") and c.get("schema") is not None
    ]


def alias_fields(schema: Snapshot, collection: str) -> set[str]:
    """Fields with no column (o2m/m2m aliases), which an item export must leave out."""
    return {
        f["field"]
        for f in schema["fields"]
        if f["collection"] == collection and (f.get("type") == "alias" or f.get("schema") is None)
    }


def dependency_order(schema: Snapshot, collections: list[str]) -> list[str]:
    """`collections` ordered so that every many-to-one target comes before its referrers."""
    needs: dict[str, set[str]] = {c: set() for c in collections}
    for relation in schema.get("relations", []):
        source, target = relation["collection"], relation.get("related_collection")
        if source in needs and target in needs and target != source:
            needs[source].add(target)
    ordered: list[str] = []
    while needs:
        ready = sorted(c for c, deps in needs.items() if not deps - set(ordered))
        # A cycle has no ready member: take the rest as they are rather than loop forever.
        batch = ready or sorted(needs)
        for name in batch:
            ordered.append(name)
            del needs[name]
    return ordered
