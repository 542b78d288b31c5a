"""plugins.limits: estimated cost from @cost and @listSize composed into the supergraph."""

from __future__ import annotations

from typing import Any

import pytest
import strawberry
from strawberry.asgi import GraphQL
from strawberry.federation.schema_directives import Cost, ListSize

from router.composition.compose import compose
from router.composition.subgraph import SubgraphSchema
from router.config import RouterConfig
from router.http.runtime import build_router
from router.http.subgraph_clients import AsgiTransport
from tests.router.http.fixtures import client_for
from tests.router.http.subgraphs import sdl_of


@strawberry.type
class Item:
    name: str

    @strawberry.field(directives=[Cost(weight=5)])
    def price(self) -> int:
        return 7


@strawberry.type
class Query:
    @strawberry.field(
        directives=[ListSize(slicing_arguments=["first"], assumed_size=None, sized_fields=None)]
    )
    def items(self, first: int = 3) -> list[Item]:
        return [Item(name=f"item {i}") for i in range(first)]

    @strawberry.field(
        directives=[
            ListSize(
                assumed_size=50,
                slicing_arguments=None,
                sized_fields=None,
                require_one_slicing_argument=False,
            )
        ]
    )
    def everything(self) -> list[Item]:
        return [Item(name="all")]


SHOP = strawberry.federation.Schema(query=Query)
URL = "http://in-process.shop/graphql"


async def _cost(query: str, variables: dict[str, Any] | None = None) -> Any:
    sdl = compose([SubgraphSchema("shop", URL, sdl_of(SHOP))]).supergraph_sdl
    config = RouterConfig(mode="production", plugins={"limits": {"max_cost": 1}})
    transports = {"shop": AsgiTransport(GraphQL(SHOP), service_name="shop", timeout=5.0)}
    async with client_for(build_router(sdl, config, transports)) as client:
        body = {"query": query, "variables": variables}
        response = await client.post("/graphql", json=body)
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "COST_ESTIMATED_TOO_EXPENSIVE"
    return error["extensions"]["actual"]


@pytest.mark.parametrize(
    ("query", "variables", "cost"),
    [
        ("{ items(first: 4) { name price } }", None, 1 + 4 * 5),  # slicing argument
        ("{ items { price } }", None, 1 + 3 * 5),  # the argument's default value
        ("query($n: Int!) { items(first: $n) { price } }", {"n": 10}, 1 + 10 * 5),  # variable
        ("{ everything { price name } }", None, 1 + 50 * 5),  # assumedSize
    ],
)
async def test_cost_uses_weights_and_list_sizes_from_the_supergraph(
    query: str, variables: dict[str, Any] | None, cost: int
) -> None:
    assert await _cost(query, variables) == cost
