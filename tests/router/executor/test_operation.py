"""Variables (coercion, defaults, errors), conditions, aliases and mutations in order."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLSchema

from router.planner.nodes import ConditionNode, SequenceNode
from tests.router.executor.plans import entities, root, run

Subgraphs = tuple[dict[str, Any], dict[str, Any]]


async def test_variable_defaults_reach_the_fetch(
    api_schema: GraphQLSchema, subgraphs: Subgraphs
) -> None:
    transports, apps = subgraphs
    query = "query Top($first: Int! = 2) { topProducts(first: $first) { name } }"
    plan = root("products", "query($first:Int!){topProducts(first:$first){name}}", "first")
    response = await run(api_schema, query, plan, transports, variables={})
    assert response == {"data": {"topProducts": [{"name": "Table"}, {"name": "Couch"}]}}
    assert apps["products"].requests[0]["variables"] == {"first": 2}


async def test_invalid_variables_are_rejected_before_any_fetch(
    api_schema: GraphQLSchema, subgraphs: Subgraphs
) -> None:
    transports, apps = subgraphs
    query = "query Top($first: Int!) { topProducts(first: $first) { name } }"
    plan = root("products", "query($first:Int!){topProducts(first:$first){name}}", "first")
    response = await run(api_schema, query, plan, transports, variables={"first": "many"})
    assert response == {
        "errors": [
            {
                "message": "Variable '$first' got invalid value 'many'; "
                "Int cannot represent non-integer value: 'many'",
                "locations": [{"line": 1, "column": 11}],
                "extensions": {"code": "BAD_USER_INPUT"},
            }
        ]
    }
    missing = await run(api_schema, query, plan, transports, variables=None)
    assert missing["errors"][0]["message"] == (
        "Variable '$first' of required type 'Int!' was not provided."
    )
    assert apps["products"].requests == []


async def test_condition_node_reads_a_boolean_variable(
    api_schema: GraphQLSchema, subgraphs: Subgraphs
) -> None:
    transports, apps = subgraphs
    query = (
        "query($withReviews: Boolean!) "
        '{ product(upc: "1") { name reviews @include(if: $withReviews) { body } } }'
    )
    plan = SequenceNode(
        (
            root("products", '{product(upc:"1"){__typename upc name}}'),
            ConditionNode(
                "withReviews",
                entities("product", "reviews", "Product", ("upc",), "reviews{body}"),
                None,
            ),
        )
    )
    without = await run(api_schema, query, plan, transports, variables={"withReviews": False})
    assert without == {"data": {"product": {"name": "Table"}}}
    assert apps["reviews"].requests == []
    with_reviews = await run(api_schema, query, plan, transports, variables={"withReviews": True})
    assert with_reviews == {
        "data": {"product": {"name": "Table", "reviews": [{"body": "Great"}, {"body": "Meh"}]}}
    }


async def test_aliases_keep_request_order_and_names(
    api_schema: GraphQLSchema, subgraphs: Subgraphs
) -> None:
    transports, _ = subgraphs
    query = '{ b: product(upc: "2") { title: name } a: product(upc: "1") { title: name id: upc } }'
    plan = root(
        "products",
        '{a:product(upc:"1"){title:name id:upc} b:product(upc:"2"){title:name}}',
    )
    response = await run(api_schema, query, plan, transports)
    assert response == {"data": {"b": {"title": "Couch"}, "a": {"title": "Table", "id": "1"}}}
    assert list(response["data"]) == ["b", "a"]


async def test_no_plan_answers_typename_alone(api_schema: GraphQLSchema) -> None:
    response = await run(api_schema, "{ __typename kind: __typename }", None, {})
    assert response == {"data": {"__typename": "Query", "kind": "Query"}}
