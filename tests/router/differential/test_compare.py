"""The comparison itself: it tells apart what the spec fixes, ignores only what it leaves free."""

from __future__ import annotations

from tests.router.differential.compare import comparable
from tests.router.differential.supergraph_digest import digest


def test_field_order_difference_is_detected() -> None:
    """Response maps are ordered by the query: a reordered object is a difference."""
    first = {"data": {"user": {"id": "1", "name": "A"}}}
    second = {"data": {"user": {"name": "A", "id": "1"}}}
    assert comparable(first) != comparable(second)


def test_error_order_is_ignored_but_paths_are_not() -> None:
    """Errors may come in any order; a different path is a difference."""
    a = {"message": "a", "path": ["x", 0]}
    b = {"message": "b", "path": ["y"]}
    assert comparable({"data": None, "errors": [a, b]}) == comparable(
        {"data": None, "errors": [b, a]}
    )
    moved = {"message": "a", "path": ["x", 1]}
    assert comparable({"errors": [a]}) != comparable({"errors": [moved]})


def test_error_extensions_and_quote_style_are_ignored() -> None:
    """Extensions differ between gateways; graphql-core quotes with ' where graphql-js uses "."""
    ours = {"errors": [{"message": "Variable '$x' missing", "extensions": {"code": "A"}}]}
    theirs = {"errors": [{"message": 'Variable "$x" missing'}]}
    assert comparable(ours) == comparable(theirs)


def test_introspection_lists_compare_sorted_only_when_asked() -> None:
    """Introspection field order is free; elsewhere list order matters."""
    a = {"data": {"__type": {"fields": [{"name": "a"}, {"name": "b"}]}}}
    b = {"data": {"__type": {"fields": [{"name": "b"}, {"name": "a"}]}}}
    assert comparable(a, introspection=True) == comparable(b, introspection=True)
    assert comparable(a) != comparable(b)


SUPERGRAPH = """
schema @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/join/v0.5", for: EXECUTION) { query: Query }
directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet,
  type: String, external: Boolean, override: String, usedOverridden: Boolean,
  overrideLabel: String) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION
directive @join__graph(name: String!, url: String!) on ENUM_VALUE
directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false,
  resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) repeatable on OBJECT
directive @link(url: String, as: String, for: link__Purpose, import: [link__Import])
  repeatable on SCHEMA
scalar join__FieldSet
scalar link__Import
enum link__Purpose { SECURITY EXECUTION }
enum join__Graph {
  A @join__graph(name: "a", url: "http://a")
  B @join__graph(name: "b", url: "http://b")
}
type Query @join__type(graph: A) { top: [T] @join__field(graph: A) }
type T @join__type(graph: A, key: "id") @join__type(graph: B, key: "id") {
  id: ID!
  name: String @join__field(graph: A)
  price: Int @join__field(graph: B, requires: "name")
}
"""


def test_digest_treats_omitted_join_field_as_every_graph_of_the_type() -> None:
    """`id` without @join__field equals explicit @join__field for each graph."""
    explicit = SUPERGRAPH.replace(
        "  id: ID!\n", "  id: ID! @join__field(graph: A) @join__field(graph: B)\n"
    )
    assert digest(SUPERGRAPH) == digest(explicit)


def test_digest_detects_a_changed_requires() -> None:
    """A different @requires selection is a different supergraph."""
    changed = SUPERGRAPH.replace('requires: "name"', 'requires: "id"')
    assert digest(SUPERGRAPH).join_facts != digest(changed).join_facts
    assert digest(SUPERGRAPH).api_schema == digest(changed).api_schema
