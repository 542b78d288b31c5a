"""The executor runs plans made by our planner (composition -> planner -> executor)."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import GraphQLSchema, build_schema, parse

from router.composition.compose import compose
from router.composition.subgraph import SubgraphSchema
from router.executor.operation import CompiledOperation, execute_operation
from router.planner.planner import QueryPlanner
from router.supergraph.model import Supergraph
from tests.router.executor.subgraphs import SCHEMAS

Subgraphs = tuple[dict[str, Any], dict[str, Any]]


@pytest.fixture(scope="module")
def planned() -> tuple[QueryPlanner, GraphQLSchema]:
    subgraphs = [
        SubgraphSchema(name, f"http://{name}", schema.as_str()) for name, schema in SCHEMAS.items()
    ]
    composed = compose(subgraphs)
    planner = QueryPlanner(Supergraph.from_sdl(composed.supergraph_sdl))
    return planner, build_schema(composed.api_schema_sdl)


async def _run(planned: tuple[QueryPlanner, GraphQLSchema], query: str, transports: Any) -> Any:
    planner, schema = planned
    document = parse(query)
    compiled = CompiledOperation(schema, document)
    return await execute_operation(compiled, planner.plan(document), {}, transports)


async def test_planned_query_across_four_subgraphs(
    planned: tuple[QueryPlanner, GraphQLSchema], subgraphs: Subgraphs
) -> None:
    transports, apps = subgraphs
    query = """{
      products(upcs: ["1", "missing", "2", "3"]) {
        name inStock reviews { body author { username } }
      }
      me { name }
    }"""
    response = await _run(planned, query, transports)
    assert response == {
        "data": {
            "products": [
                {
                    "name": "Table",
                    "inStock": True,
                    "reviews": [
                        {"body": "Great", "author": {"username": "ada"}},
                        {"body": "Meh", "author": {"username": "alan"}},
                    ],
                },
                None,
                {
                    "name": "Couch",
                    "inStock": None,
                    "reviews": [
                        {"body": "Soft", "author": {"username": "ada"}},
                        {"body": "Ghost", "author": {"username": None}},
                    ],
                },
                {"name": "Chair", "inStock": False, "reviews": None},
            ],
            "me": {"name": "Ada Lovelace"},
        },
        "errors": [
            {
                "message": "Reviews are hidden",
                "path": ["products", 3, "reviews"],
                "extensions": {"code": "FORBIDDEN"},
            }
        ],
    }
    # Three authors, two of them the same user: u1, u2, u9 once each.
    [authors] = [batch for batch in apps["accounts"].representations() if batch]
    assert sorted(rep["id"] for rep in authors) == ["u1", "u2", "u9"]
