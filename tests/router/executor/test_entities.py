"""Entity fetches: batching, de-duplication, nested flatten paths, missing entities, null keys."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLSchema

from router.planner.nodes import ParallelNode, SequenceNode
from tests.router.executor.plans import entities, root, run

Subgraphs = tuple[dict[str, Any], dict[str, Any]]

DEEP_QUERY = "{ topProducts(first: 2) { name reviews { body author { name } } } }"
DEEP_PLAN = SequenceNode(
    (
        root("products", "{topProducts(first:2){__typename upc name}}"),
        entities(
            "topProducts.@", "reviews", "Product", ("upc",), "reviews{body author{__typename id}}"
        ),
        entities("topProducts.@.reviews.@.author", "accounts", "User", ("id",), "name"),
    )
)


async def test_entity_fetch_dedupes_representations(
    api_schema: GraphQLSchema, subgraphs: Subgraphs
) -> None:
    transports, apps = subgraphs
    await run(api_schema, DEEP_QUERY, DEEP_PLAN, transports)
    # Four reviews, three distinct authors (u1 wrote two): one batch of three.
    assert apps["accounts"].representations() == [
        [
            {"__typename": "User", "id": "u1"},
            {"__typename": "User", "id": "u2"},
            {"__typename": "User", "id": "u9"},
        ]
    ]
    assert apps["reviews"].representations() == [
        [{"__typename": "Product", "upc": "1"}, {"__typename": "Product", "upc": "2"}]
    ]


async def test_nested_flatten_through_lists_merges_into_every_source(
    api_schema: GraphQLSchema, subgraphs: Subgraphs
) -> None:
    transports, _ = subgraphs
    response = await run(api_schema, DEEP_QUERY, DEEP_PLAN, transports)
    assert response == {
        "data": {
            "topProducts": [
                {
                    "name": "Table",
                    "reviews": [
                        {"body": "Great", "author": {"name": "Ada Lovelace"}},
                        {"body": "Meh", "author": {"name": "Alan Turing"}},
                    ],
                },
                # u9 is unknown to accounts: User.name is non-null, so the null bubbles
                # through author (User!) and the review (Review!) up to the nullable list.
                {"name": "Couch", "reviews": None},
            ]
        },
        "errors": [
            {
                "message": "Cannot return null for non-nullable field User.name.",
                "path": ["topProducts", 1, "reviews", 1, "author", "name"],
            }
        ],
    }


async def test_missing_entity_leaves_its_fields_null(
    api_schema: GraphQLSchema, subgraphs: Subgraphs
) -> None:
    transports, apps = subgraphs
    query = '{ products(upcs: ["4", "1"]) { name reviews { body } } }'
    plan = SequenceNode(
        (
            root("products", '{products(upcs:["4","1"]){__typename upc name}}'),
            entities("products.@", "reviews", "Product", ("upc",), "reviews{body}"),
        )
    )
    response = await run(api_schema, query, plan, transports)
    assert response == {
        "data": {
            "products": [
                {"name": "Lamp", "reviews": None},
                {"name": "Table", "reviews": [{"body": "Great"}, {"body": "Meh"}]},
            ]
        }
    }
    assert len(apps["reviews"].representations()[0]) == 2


async def test_objects_with_null_keys_and_null_objects_are_skipped(
    api_schema: GraphQLSchema, subgraphs: Subgraphs
) -> None:
    transports, apps = subgraphs
    query = '{ products(upcs: ["1", "missing", "2", "3"]) { name inStock } }'
    plan = SequenceNode(
        (
            root("products", '{products(upcs:["1","missing","2","3"]){__typename sku name}}'),
            entities("products.@", "inventory", "Product", ("sku",), "inStock"),
        )
    )
    response = await run(api_schema, query, plan, transports)
    assert response == {
        "data": {
            "products": [
                {"name": "Table", "inStock": True},
                None,
                {"name": "Couch", "inStock": None},
                {"name": "Chair", "inStock": False},
            ]
        }
    }
    # The null product and the Couch (sku null) produce no representation.
    assert apps["inventory"].representations() == [
        [{"__typename": "Product", "sku": "T-1"}, {"__typename": "Product", "sku": "C-3"}]
    ]


async def test_parallel_branches_fill_the_same_objects(
    api_schema: GraphQLSchema, subgraphs: Subgraphs
) -> None:
    transports, _ = subgraphs
    query = "{ topProducts(first: 1) { name inStock reviews { body } } me { username } }"
    plan = ParallelNode(
        (
            SequenceNode(
                (
                    root("products", "{topProducts(first:1){__typename upc sku name}}"),
                    ParallelNode(
                        (
                            entities(
                                "topProducts.@", "reviews", "Product", ("upc",), "reviews{body}"
                            ),
                            entities("topProducts.@", "inventory", "Product", ("sku",), "inStock"),
                        )
                    ),
                )
            ),
            root("accounts", "{me{username}}"),
        )
    )
    response = await run(api_schema, query, plan, transports)
    assert response == {
        "data": {
            "topProducts": [
                {"name": "Table", "inStock": True, "reviews": [{"body": "Great"}, {"body": "Meh"}]}
            ],
            "me": {"username": "ada"},
        }
    }
