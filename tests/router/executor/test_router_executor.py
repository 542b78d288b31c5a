"""RouterExecutor, the pipeline's executor: queries, subscription events, subgraph headers."""

from __future__ import annotations

from typing import Any

from graphql import build_schema, parse

from router.executor.operation import RouterExecutor
from router.pipeline import GraphQLRequest, PreparedOperation, RequestContext
from router.planner.nodes import FetchNode, QueryPlan, SubscriptionNode
from tests.router.executor.plans import entities, root
from tests.router.executor.subgraphs import API_SDL

Subgraphs = tuple[dict[str, Any], dict[str, Any]]
SCHEMA = build_schema(API_SDL + "type Subscription { productAdded(upc: ID!): Product! }")


def _prepared(query: str, plan: QueryPlan) -> PreparedOperation:
    document = parse(query)
    operation = document.definitions[0]
    return PreparedOperation(document, operation, plan)  # type: ignore[arg-type]


async def test_subscription_event_runs_rest_and_is_shaped(subgraphs: Subgraphs) -> None:
    transports, apps = subgraphs
    query = "subscription($upc: ID!) { productAdded(upc: $upc) { name reviews { body } } }"
    primary = FetchNode(
        "products",
        "subscription($upc:ID!){productAdded(upc:$upc){__typename upc name}}",
        operation_kind="subscription",
        variable_usages=("upc",),
    )
    rest = entities("productAdded", "reviews", "Product", ("upc",), "reviews{body}")
    prepared = _prepared(query, QueryPlan(SubscriptionNode(primary, rest), "subscription"))
    executor = RouterExecutor(SCHEMA)
    ctx = RequestContext(GraphQLRequest(query, variables={"upc": "1"}))
    ctx.subgraph_headers = {"x-internal-token": "t0k"}
    events = [
        {"data": {"productAdded": {"__typename": "Product", "upc": "1", "name": "Table"}}},
        {"data": {"productAdded": {"__typename": "Product", "upc": "4", "name": "Lamp"}}},
    ]
    answers = [
        await executor.execute_event(prepared, event, {"upc": "1"}, transports, ctx)
        for event in events
    ]
    assert answers == [
        {
            "data": {
                "productAdded": {"name": "Table", "reviews": [{"body": "Great"}, {"body": "Meh"}]}
            }
        },
        {"data": {"productAdded": {"name": "Lamp", "reviews": None}}},
    ]
    assert [request["variables"]["representations"] for request in apps["reviews"].requests] == [
        [{"__typename": "Product", "upc": "1"}],
        [{"__typename": "Product", "upc": "4"}],
    ]


async def test_subscription_event_errors_keep_their_paths(subgraphs: Subgraphs) -> None:
    transports, _ = subgraphs
    query = 'subscription { productAdded(upc: "1") { name } }'
    primary = FetchNode("products", 'subscription{productAdded(upc:"1"){name}}', "subscription")
    prepared = _prepared(query, QueryPlan(SubscriptionNode(primary, None), "subscription"))
    ctx = RequestContext(GraphQLRequest(query))
    event = {
        "data": {"productAdded": {"name": None}},
        "errors": [{"message": "name failed", "path": ["productAdded", "name"], "locations": []}],
    }
    answer = await RouterExecutor(SCHEMA).execute_event(prepared, event, None, transports, ctx)
    # Product! is non-null: the null reaches the root; the subgraph's error covers it.
    assert answer == {
        "data": None,
        "errors": [{"message": "name failed", "path": ["productAdded", "name"]}],
    }


async def test_query_sends_subgraph_headers(subgraphs: Subgraphs) -> None:
    transports, apps = subgraphs
    query = "{ me { name } }"
    prepared = _prepared(query, QueryPlan(root("accounts", "{me{name}}")))
    ctx = RequestContext(GraphQLRequest(query))
    ctx.subgraph_headers = {"x-internal-token": "t0k"}
    seen: list[tuple[str, bool]] = []
    executor = RouterExecutor(SCHEMA, on_fetch=lambda service, _, ok: seen.append((service, ok)))
    answer = await executor.execute(prepared, None, transports, ctx)
    assert answer == {"data": {"me": {"name": "Ada Lovelace"}}}
    assert seen == [("accounts", True)]
    assert apps["accounts"].headers[0]["x-internal-token"] == "t0k"
    # The compiled shape is kept on the prepared operation for the next request.
    assert "executor" in prepared.compiled
