"""`api_schema_sdl` works on supergraphs composed by anyone and hides @inaccessible elements."""

from __future__ import annotations

import pytest
from graphql import GraphQLEnumType, GraphQLObjectType, GraphQLUnionType, build_schema

from router.supergraph.api_schema import api_schema_sdl, build_api_schema
from tests.router.composition.cases import case_file

# Supergraphs composed by Apollo's composeServices (cases/*/supergraph.graphql).
APOLLO_SUPERGRAPHS = {
    "join v0.3 (Federation 1 subgraphs)": "federation1_extends_provides",
    "join v0.3 (Federation 2.0 subgraphs)": "federation2_0_compound_keys_subtypes",
    "join v0.4": "override_labels_enums_inputs",
    "join v0.5": "access_control_cost_interface_object",
}


@pytest.mark.parametrize("case", APOLLO_SUPERGRAPHS.values(), ids=APOLLO_SUPERGRAPHS.keys())
def test_apollo_composed_supergraph_loads_without_join_or_link(case: str) -> None:
    sdl = api_schema_sdl(case_file(case, "supergraph.graphql"))
    for machinery in (
        "join__",
        "link__",
        "@link",
        "@join",
        "@inaccessible",
        "@tag",
        "@authenticated",
    ):
        assert machinery not in sdl
    assert build_schema(sdl).query_type is not None


def test_every_kind_of_inaccessible_element_is_removed() -> None:
    schema = build_api_schema(case_file("inaccessible_everywhere", "supergraph.graphql"))
    product = schema.get_type("Product")
    assert isinstance(product, GraphQLObjectType)
    assert list(product.fields) == ["id", "name", "price", "kind", "stock"]
    assert list(product.fields["price"].args) == ["currency"]
    assert [i.name for i in product.interfaces] == ["Node"]
    assert schema.get_type("Internal") is None and schema.get_type("Secret") is None
    union = schema.get_type("SearchResult")
    assert isinstance(union, GraphQLUnionType) and [t.name for t in union.types] == ["Product"]
    kind = schema.get_type("Kind")
    assert isinstance(kind, GraphQLEnumType) and list(kind.values) == ["BOOK", "GADGET"]
    assert list(schema.get_type("ProductFilter").fields) == ["name"]  # type: ignore[union-attr]
    assert schema.query_type is not None and "secret" not in schema.query_type.fields


def test_api_schema_equals_apollos_for_inaccessible_elements() -> None:
    ours = build_api_schema(case_file("inaccessible_everywhere", "supergraph.graphql"))
    theirs = build_schema(case_file("inaccessible_everywhere", "api.graphql"))
    from graphql import lexicographic_sort_schema, print_schema

    assert print_schema(lexicographic_sort_schema(ours)) == print_schema(
        lexicographic_sort_schema(theirs)
    )


def test_renamed_inaccessible_directive_is_honoured() -> None:
    supergraph = """
schema
  @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/join/v0.3", for: EXECUTION)
  @link(url: "https://specs.apollo.dev/inaccessible/v0.2", as: "hidden", for: SECURITY)
{
  query: Query
}

directive @hidden on FIELD_DEFINITION | OBJECT

directive @join__graph(name: String!, url: String!) on ENUM_VALUE

directive @link(url: String, as: String, for: link__Purpose, import: [link__Import])
  repeatable on SCHEMA

enum join__Graph {
  A @join__graph(name: "a", url: "http://a")
}

scalar link__Import

enum link__Purpose {
  SECURITY
  EXECUTION
}

type Query {
  visible: Int
  internal: Int @hidden
}
"""
    assert api_schema_sdl(supergraph) == "type Query {\n  visible: Int\n}\n"


def test_executable_directives_and_deprecations_survive() -> None:
    supergraph = case_file("federation2_0_compound_keys_subtypes", "supergraph.graphql")
    supergraph += "\n\ndirective @cached(ttl: Int) on QUERY | FIELD\n"
    sdl = api_schema_sdl(supergraph)
    assert "directive @cached(ttl: Int) on QUERY | FIELD" in sdl
    assert '@deprecated(reason: "use stock")' in sdl


def test_build_api_schema_is_cached_per_text() -> None:
    sdl = case_file("federation1_extends_provides", "supergraph.graphql")
    assert build_api_schema(sdl) is build_api_schema(sdl)


CORE_V02_SUPERGRAPH = """
schema
  @core(feature: "https://specs.apollo.dev/core/v0.2"),
  @core(feature: "https://specs.apollo.dev/join/v0.1", for: EXECUTION)
  @core(feature: "https://specs.apollo.dev/inaccessible/v0.1", for: SECURITY)
{
  query: Query
}

directive @core(as: String, feature: String!, for: core__Purpose) repeatable on SCHEMA

directive @inaccessible on FIELD_DEFINITION | OBJECT | INTERFACE | UNION

directive @join__field(graph: join__Graph, provides: join__FieldSet, requires: join__FieldSet)
  on FIELD_DEFINITION

directive @join__graph(name: String!, url: String!) on ENUM_VALUE

directive @join__owner(graph: join__Graph!) on INTERFACE | OBJECT

directive @join__type(graph: join__Graph!, key: join__FieldSet) repeatable on INTERFACE | OBJECT

enum core__Purpose {
  EXECUTION
  SECURITY
}

scalar join__FieldSet

enum join__Graph {
  ACCOUNTS @join__graph(name: "accounts" url: "http://accounts/graphql")
}

type Query {
  me: User @join__field(graph: ACCOUNTS)
}

type User @join__owner(graph: ACCOUNTS) @join__type(graph: ACCOUNTS, key: "id") {
  id: ID!
  password: String @inaccessible
}
"""


def test_core_based_join_v0_1_supergraph_loads() -> None:
    assert api_schema_sdl(CORE_V02_SUPERGRAPH) == (
        "type Query {\n  me: User\n}\n\ntype User {\n  id: ID!\n}\n"
    )
