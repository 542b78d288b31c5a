"""The committed schema snapshot matches its source, and restore order follows the links."""

from __future__ import annotations

from shared.directus import platform_schema, schema_ops

REGENERATE = "stale: regenerate with `.venv/bin/python -m shared.directus.make_schema`"


def _defined_fields() -> set[tuple[str, str]]:
    """Every (collection, field) that platform_schema.py defines."""
    fields = {(platform_schema.USERS, f["field"]) for f in platform_schema.USER_FIELDS}
    for collection in platform_schema.COLLECTIONS:
        fields.add((collection.name, "id"))
        fields |= {(collection.name, f["field"]) for f in collection.fields}
        fields |= {(collection.name, r.field) for r in collection.relations}
    fields.add(("collections", platform_schema.M2M_ALIAS["field"]))
    return fields


def test_committed_snapshot_has_exactly_the_defined_collections() -> None:
    snapshot = schema_ops.load_snapshot(schema_ops.REPO_SCHEMA)
    assert sorted(schema_ops.platform_collections(snapshot)) == sorted(
        platform_schema.platform_collection_names()
    ), REGENERATE


def test_committed_snapshot_has_exactly_the_defined_fields() -> None:
    snapshot = schema_ops.load_snapshot(schema_ops.REPO_SCHEMA)
    committed = {(f["collection"], f["field"]) for f in snapshot["fields"]}
    assert committed == _defined_fields(), REGENERATE


def test_committed_snapshot_is_taken_on_postgres_by_directus_12_4_0() -> None:
    snapshot = schema_ops.load_snapshot(schema_ops.REPO_SCHEMA)
    assert (snapshot["directus"], snapshot["vendor"]) == ("12.4.0", "postgres")


def test_restore_order_puts_link_targets_first() -> None:
    snapshot = schema_ops.load_snapshot(schema_ops.REPO_SCHEMA)
    order = schema_ops.dependency_order(snapshot, schema_ops.platform_collections(snapshot))
    for relation in snapshot["relations"]:
        target = relation["related_collection"]
        if target in order and target != relation["collection"]:
            assert order.index(target) < order.index(relation["collection"]), relation["field"]


def test_alias_fields_are_left_out_of_item_exports() -> None:
    snapshot = schema_ops.load_snapshot(schema_ops.REPO_SCHEMA)
    assert schema_ops.alias_fields(snapshot, "collections") == {"chats"}


def test_dependency_order_survives_a_cycle() -> None:
    cyclic = {
        "relations": [
            {"collection": "a", "related_collection": "b"},
            {"collection": "b", "related_collection": "a"},
            {"collection": "c", "related_collection": "a"},
        ]
    }
    assert sorted(schema_ops.dependency_order(cyclic, ["a", "b", "c"])) == ["a", "b", "c"]
