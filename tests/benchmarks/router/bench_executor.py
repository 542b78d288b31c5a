"""Executor micro-benchmark: merge (entity batching, dedupe) and shaping cost per request.

A realistic nested response: 50 products, 5 reviews each (250 reviews), 20 distinct
authors, three entity fetches. Subgraphs are replaced by in-memory transports that
decode precomputed JSON bytes, so the figures are the router's own work per request:
JSON decoding of subgraph answers, representations, dedupe, merging, then shaping.
Prints the figures; asserts only that the response is right.
"""

from __future__ import annotations

import time
from typing import Any

import orjson
import pytest
from graphql import build_schema, parse

from router.executor.execute import execute_plan
from router.executor.operation import CompiledOperation
from router.planner.nodes import (
    FetchNode,
    FieldSelection,
    FlattenNode,
    InlineFragmentSelection,
    QueryPlan,
    SequenceNode,
)

SDL = """
type Query { topProducts(first: Int! = 5): [Product!]! }
type Product { upc: ID! name: String! price: Int reviews: [Review!] inStock: Boolean }
type Review { id: ID! body: String! rating: Int! author: User! }
type User { id: ID! name: String! username: String }
"""
QUERY = """
query Deep { topProducts(first: 50) {
  upc name price inStock
  reviews { id body stars: rating author { name username } }
} }
"""
PRODUCTS, REVIEWS_EACH, USERS = 50, 5, 20


def _entity_fetch(service: str, typename: str, key: str, selection: str, path: str) -> FlattenNode:
    operation = (
        "query($representations:[_Any!]!){_entities(representations:$representations)"
        f"{{... on {typename}{{{selection}}}}}}}"
    )
    requires = (
        InlineFragmentSelection(typename, (FieldSelection("__typename"), FieldSelection(key))),
    )
    return FlattenNode(tuple(path.split(".")), FetchNode(service, operation, requires=requires))


PLAN = QueryPlan(
    SequenceNode(
        (
            FetchNode("products", "{topProducts(first:50){__typename upc name price}}"),
            _entity_fetch(
                "reviews",
                "Product",
                "upc",
                "reviews{id body stars:rating author{__typename id}}",
                "topProducts.@",
            ),
            _entity_fetch("inventory", "Product", "upc", "inStock", "topProducts.@"),
            _entity_fetch(
                "accounts", "User", "id", "name username", "topProducts.@.reviews.@.author"
            ),
        )
    )
)


def _answer(query: str, variables: dict[str, Any] | None) -> dict[str, Any]:
    if "topProducts" in query:
        products = [
            {"__typename": "Product", "upc": str(i), "name": f"Product {i}", "price": i * 10}
            for i in range(PRODUCTS)
        ]
        return {"data": {"topProducts": products}}
    representations = (variables or {})["representations"]
    if "reviews" in query:
        entities = [
            {
                "reviews": [
                    {
                        "id": f"{rep['upc']}-{j}",
                        "body": "A fine product, would buy again. " * 3,
                        "stars": j % 5,
                        "author": {"__typename": "User", "id": str((int(rep["upc"]) + j) % USERS)},
                    }
                    for j in range(REVIEWS_EACH)
                ]
            }
            for rep in representations
        ]
    elif "inStock" in query:
        entities = [{"inStock": int(rep["upc"]) % 2 == 0} for rep in representations]
    else:
        entities = [
            {"name": f"User {rep['id']}", "username": f"u{rep['id']}"} for rep in representations
        ]
    return {"data": {"_entities": entities}}


class _MemoryTransport:
    """Answers from precomputed JSON bytes, decoded per call like a real transport."""

    def __init__(self) -> None:
        self.cache: dict[str, bytes] = {}
        self.representations: list[int] = []

    async def execute(
        self, query: str, variables: Any = None, operation_name: Any = None, headers: Any = None
    ) -> Any:
        if variables and "representations" in variables:
            self.representations.append(len(variables["representations"]))
        body = self.cache.get(query)
        if body is None:
            body = self.cache[query] = orjson.dumps(_answer(query, variables))
        return orjson.loads(body)

    async def aclose(self) -> None:
        return None


def _per_request(seconds: float, runs: int) -> str:
    micros = seconds / runs * 1e6
    return f"{micros:8.1f} us/request ({runs / seconds:8.0f} per second)"


@pytest.mark.benchmark
async def test_executor_merge_and_shape_cost_per_request() -> None:
    schema = build_schema(SDL)
    compiled = CompiledOperation(schema, parse(QUERY))
    memory = _MemoryTransport()
    transports = {name: memory for name in ("products", "reviews", "inventory", "accounts")}

    data, errors = await execute_plan(PLAN, {}, transports)
    response = compiled.respond(data, errors, {})
    assert "errors" not in response
    assert len(response["data"]["topProducts"]) == PRODUCTS
    assert response["data"]["topProducts"][1]["reviews"][0]["author"] == {
        "name": "User 1",
        "username": "u1",
    }
    # 250 authors, 20 distinct: one batch of 20 representations.
    assert memory.representations == [PRODUCTS, PRODUCTS, USERS]

    # The machine is shared: each figure is the best of several rounds.
    rounds, runs = 5, 40
    execute_best = shape_best = dump_best = decode_best = float("inf")
    bodies = list(memory.cache.values())
    for _ in range(rounds):
        started = time.perf_counter()
        merged = [await execute_plan(PLAN, {}, transports) for _ in range(runs)]
        execute_best = min(execute_best, time.perf_counter() - started)
        started = time.perf_counter()
        for data, errors in merged:
            compiled.respond(data, errors, {})
        shape_best = min(shape_best, time.perf_counter() - started)
        started = time.perf_counter()
        for _ in range(runs):
            for body in bodies:
                orjson.loads(body)
        decode_best = min(decode_best, time.perf_counter() - started)
        started = time.perf_counter()
        for _ in range(runs):
            orjson.dumps(response)
        dump_best = min(dump_best, time.perf_counter() - started)

    size = len(orjson.dumps(response)) // 1024
    print(f"\nexecutor: {PRODUCTS} products x {REVIEWS_EACH} reviews, response {size} KiB")
    print(f"  execute (4 fetches, decode + merge): {_per_request(execute_best, runs)}")
    print(f"    of which decoding subgraph JSON  : {_per_request(decode_best, runs)}")
    print(f"  shape (generated fast path)        : {_per_request(shape_best, runs)}")
    print(f"  orjson.dumps of the response       : {_per_request(dump_best, runs)}")


class _FixedTransport:
    """Always answers the same small response (decoded per call, like a real transport)."""

    body = orjson.dumps({"data": {"me": {"id": "1", "name": "Ada", "username": "ada"}}})

    async def execute(
        self, query: str, variables: Any = None, operation_name: Any = None, headers: Any = None
    ) -> Any:
        return orjson.loads(self.body)

    async def aclose(self) -> None:
        return None


@pytest.mark.benchmark
async def test_executor_overhead_of_a_one_fetch_query() -> None:
    from router.executor.operation import execute_operation

    schema = build_schema(
        "type Query { me(x: Int): User } type User { id: ID! name: String! username: String }"
    )
    compiled = CompiledOperation(
        schema, parse("query Me($x: Int = 1) { me(x: $x) { id name username } }")
    )
    plan = QueryPlan(
        FetchNode("a", "query($x:Int){me(x:$x){id name username}}", variable_usages=("x",))
    )
    transports = {"a": _FixedTransport()}
    expected = {"data": {"me": {"id": "1", "name": "Ada", "username": "ada"}}}
    assert await execute_operation(compiled, plan, {"x": 2}, transports) == expected

    runs, seconds = 2000, float("inf")
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(runs):
            await execute_operation(compiled, plan, {"x": 2}, transports)
        seconds = min(seconds, time.perf_counter() - started)
    print("\nexecutor overhead, one fetch (variables, fetch, merge, shape):")
    print(f"  {_per_request(seconds, runs)}")
