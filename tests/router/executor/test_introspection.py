"""Introspection answered by the router, in request order among planned fields."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLSchema

from tests.router.executor.plans import root, run

Subgraphs = tuple[dict[str, Any], dict[str, Any]]


async def test_introspection_mixed_with_planned_fields_keeps_request_order(
    api_schema: GraphQLSchema, subgraphs: Subgraphs
) -> None:
    transports, apps = subgraphs
    query = """
    query Mixed($name: String!) {
      __typename
      me { name }
      __schema { queryType { name } }
      user: __type(name: $name) { name fields { name } }
      ...Types
    }
    fragment Types on Query { missing: __type(name: "Nope") { name } }
    """
    response = await run(
        api_schema, query, root("accounts", "{me{name}}"), transports, variables={"name": "User"}
    )
    assert response == {
        "data": {
            "__typename": "Query",
            "me": {"name": "Ada Lovelace"},
            "__schema": {"queryType": {"name": "Query"}},
            "user": {
                "name": "User",
                "fields": [{"name": "id"}, {"name": "name"}, {"name": "username"}],
            },
            "missing": None,
        }
    }
    assert list(response["data"]) == ["__typename", "me", "__schema", "user", "missing"]
    # Only the planned field went to a subgraph.
    assert apps["accounts"].requests == [{"query": "{me{name}}"}]


async def test_introspection_alone_needs_no_plan(api_schema: GraphQLSchema) -> None:
    query = '{ __type(name: "Review") { kind fields { name type { kind ofType { name } } } } }'
    response = await run(api_schema, query, None, {})
    assert response == {
        "data": {
            "__type": {
                "kind": "OBJECT",
                "fields": [
                    {"name": "id", "type": {"kind": "NON_NULL", "ofType": {"name": "ID"}}},
                    {"name": "body", "type": {"kind": "NON_NULL", "ofType": {"name": "String"}}},
                    {"name": "author", "type": {"kind": "NON_NULL", "ofType": {"name": "User"}}},
                ],
            }
        }
    }


async def test_skipped_introspection_field_is_absent(api_schema: GraphQLSchema) -> None:
    query = "query($s: Boolean!) { __schema @skip(if: $s) { queryType { name } } __typename }"
    response = await run(api_schema, query, None, {}, variables={"s": True})
    assert response == {"data": {"__typename": "Query"}}
