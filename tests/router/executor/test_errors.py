"""Subgraph errors re-pathed, unavailable subgraphs, masking and development mode."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLSchema

from router.planner.nodes import ParallelNode, SequenceNode
from router.transports import HttpxTransport
from tests.router.executor.plans import entities, root, run

Subgraphs = tuple[dict[str, Any], dict[str, Any]]

# Nothing listens on port 9 on these machines: connections are refused at once.
DOWN_URL = "http://127.0.0.1:9/graphql"


async def test_entity_error_is_repathed_to_every_source_object(
    api_schema: GraphQLSchema, subgraphs: Subgraphs
) -> None:
    transports, apps = subgraphs
    query = '{ products(upcs: ["3", "1", "3"]) { name reviews { body } } }'
    plan = SequenceNode(
        (
            root("products", '{products(upcs:["3","1","3"]){__typename upc name}}'),
            entities("products.@", "reviews", "Product", ("upc",), "reviews{body}"),
        )
    )
    response = await run(api_schema, query, plan, transports)
    assert response == {
        "data": {
            "products": [
                {"name": "Chair", "reviews": None},
                {"name": "Table", "reviews": [{"body": "Great"}, {"body": "Meh"}]},
                {"name": "Chair", "reviews": None},
            ]
        },
        "errors": [
            {
                "message": "Reviews are hidden",
                "path": ["products", 0, "reviews"],
                "extensions": {"code": "FORBIDDEN"},
            },
            {
                "message": "Reviews are hidden",
                "path": ["products", 2, "reviews"],
                "extensions": {"code": "FORBIDDEN"},
            },
        ],
    }
    # Product 3 twice is sent once.
    assert len(apps["reviews"].representations()[0]) == 2


def _stock_plan() -> SequenceNode:
    return SequenceNode(
        (
            root("products", "{topProducts(first:3){__typename upc sku name}}"),
            ParallelNode(
                (
                    entities("topProducts.@", "reviews", "Product", ("upc",), "reviews{body}"),
                    entities("topProducts.@", "inventory", "Product", ("sku",), "inStock"),
                )
            ),
        )
    )


STOCK_QUERY = "{ topProducts(first: 3) { name inStock reviews { body } } }"
UNAVAILABLE = {
    "message": "A service this request depends on is unavailable.",
    "extensions": {"code": "SUBGRAPH_UNAVAILABLE"},
}


async def test_unavailable_subgraph_nulls_only_its_fields(
    api_schema: GraphQLSchema, subgraphs: Subgraphs
) -> None:
    transports, _ = subgraphs
    transports = {
        **transports,
        "inventory": HttpxTransport.http(DOWN_URL, service_name="inventory"),
    }
    response = await run(api_schema, STOCK_QUERY, _stock_plan(), transports)
    await transports["inventory"].aclose()
    assert response["data"] == {
        "topProducts": [
            {"name": "Table", "inStock": None, "reviews": [{"body": "Great"}, {"body": "Meh"}]},
            {"name": "Couch", "inStock": None, "reviews": [{"body": "Soft"}, {"body": "Ghost"}]},
            {"name": "Chair", "inStock": None, "reviews": None},
        ]
    }
    # Couch has no sku, so it never needed inventory: no error at its path.
    assert sorted(response["errors"], key=str) == sorted(
        [
            {
                "message": "Reviews are hidden",
                "path": ["topProducts", 2, "reviews"],
                "extensions": {"code": "FORBIDDEN"},
            },
            {**UNAVAILABLE, "path": ["topProducts", 0, "inStock"]},
            {**UNAVAILABLE, "path": ["topProducts", 2, "inStock"]},
        ],
        key=str,
    )


async def test_unavailable_subgraph_is_named_only_in_development(
    api_schema: GraphQLSchema, subgraphs: Subgraphs
) -> None:
    transports, _ = subgraphs
    transports = {**transports, "accounts": HttpxTransport.http(DOWN_URL, service_name="accounts")}
    query = '{ product(upc: "1") { name } me { name } }'
    plan = ParallelNode(
        (root("products", '{product(upc:"1"){name}}'), root("accounts", "{me{name}}"))
    )
    production = await run(api_schema, query, plan, transports)
    development = await run(api_schema, query, plan, transports, development=True)
    await transports["accounts"].aclose()
    assert production == {
        "data": {"product": {"name": "Table"}, "me": None},
        "errors": [{**UNAVAILABLE, "path": ["me"]}],
    }
    assert "accounts" not in str(production) and "127.0.0.1" not in str(production)
    [error] = development["errors"]
    assert error["path"] == ["me"]
    assert error["extensions"]["code"] == "SUBGRAPH_UNAVAILABLE"
    assert error["extensions"]["serviceName"] == "accounts"
    assert "unreachable" in error["extensions"]["detail"]


class _BrokenTransport:
    """A transport answering JSON that is not a GraphQL response object."""

    def __init__(self, answer: Any) -> None:
        self.answer = answer

    async def execute(
        self, query: str, variables: Any = None, operation_name: Any = None, headers: Any = None
    ) -> Any:
        return self.answer

    async def aclose(self) -> None:
        return None


async def test_entities_of_wrong_length_are_an_invalid_response(
    api_schema: GraphQLSchema, subgraphs: Subgraphs
) -> None:
    transports, _ = subgraphs
    broken = _BrokenTransport({"data": {"_entities": [{"inStock": True}]}})
    response = await run(
        api_schema, STOCK_QUERY, _stock_plan(), {**transports, "inventory": broken}
    )
    stock_errors = [e for e in response["errors"] if e["path"][-1] == "inStock"]
    assert stock_errors == [
        {
            "message": "A service this request depends on sent an invalid response.",
            "path": ["topProducts", index, "inStock"],
            "extensions": {"code": "SUBGRAPH_INVALID_RESPONSE"},
        }
        for index in (0, 2)
    ]
    assert [p["inStock"] for p in response["data"]["topProducts"]] == [None, None, None]


async def test_subgraph_internal_extensions_are_masked_unless_development(
    api_schema: GraphQLSchema,
) -> None:
    raw_error = {
        "message": "Quota exceeded",
        "locations": [{"line": 1, "column": 2}],
        "path": ["me"],
        "extensions": {"code": "QUOTA", "stacktrace": ["Traceback ..."], "limit": 3},
    }
    transports = {"accounts": _BrokenTransport({"data": {"me": None}, "errors": [raw_error]})}
    query = "{ me { name } }"
    plan = root("accounts", "{me{name}}")
    production = await run(api_schema, query, plan, transports)
    development = await run(api_schema, query, plan, transports, development=True)
    assert production == {
        "data": {"me": None},
        "errors": [
            {
                "message": "Quota exceeded",
                "path": ["me"],
                "extensions": {"code": "QUOTA", "limit": 3},
            }
        ],
    }
    assert development["errors"] == [
        {
            "message": "Quota exceeded",
            "path": ["me"],
            "extensions": {
                "code": "QUOTA",
                "stacktrace": ["Traceback ..."],
                "limit": 3,
                "serviceName": "accounts",
            },
        }
    ]


async def test_subgraph_error_inside_non_null_field_is_not_reported_twice(
    api_schema: GraphQLSchema,
) -> None:
    # The subgraph nulled `product` because its non-null `name` failed.
    answer = {
        "data": {"product": None},
        "errors": [{"message": "name failed", "path": ["product", "name"]}],
    }
    transports = {"products": _BrokenTransport(answer)}
    response = await run(
        api_schema,
        '{ product(upc: "1") { name } }',
        root("products", '{product(upc:"1"){name}}'),
        transports,
    )
    assert response == {
        "data": {"product": None},
        "errors": [{"message": "name failed", "path": ["product", "name"]}],
    }


async def test_router_failure_in_one_fetch_is_masked_and_other_branches_answer(
    api_schema: GraphQLSchema, subgraphs: Subgraphs
) -> None:
    transports, _ = subgraphs

    class _Raising(_BrokenTransport):
        async def execute(self, *args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("socket closed at 10.0.0.7:4001")

    # A fetch whose operation does not parse: reporting its failure is itself a bug.
    broken = root("products", "{ product(upc: ")
    plan = ParallelNode((broken, root("accounts", "{me{name}}")))
    query = '{ product(upc: "1") { name } me { name } }'
    transports = {**transports, "products": _Raising(None)}
    production = await run(api_schema, query, plan, transports)
    assert production == {
        "data": {"product": None, "me": {"name": "Ada Lovelace"}},
        "errors": [
            {"message": "Internal server error.", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}
        ],
    }
    development = await run(api_schema, query, plan, transports, development=True)
    extensions = development["errors"][0]["extensions"]
    assert extensions["code"] == "INTERNAL_SERVER_ERROR"
    assert extensions["serviceName"] == "products"
    assert extensions["detail"].startswith("GraphQLSyntaxError")
    assert any("operation_keys" in line for line in extensions["stacktrace"])
