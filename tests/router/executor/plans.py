"""Helpers to write query plans by hand and run them end to end."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import GraphQLSchema, parse

from router.executor.operation import CompiledOperation, execute_operation
from router.planner.nodes import (
    FetchNode,
    FieldSelection,
    FlattenNode,
    InlineFragmentSelection,
    PlanNode,
    QueryPlan,
)
from router.transports import SubgraphTransport


def root(service: str, operation: str, *variables: str) -> FetchNode:
    """A root fetch."""
    return FetchNode(service_name=service, operation=operation, variable_usages=variables)


def entities(
    path: str, service: str, typename: str, keys: tuple[str, ...], selection: str
) -> FlattenNode:
    """An entity fetch of ``selection`` on ``typename`` at a dotted flatten ``path``."""
    operation = (
        "query($representations:[_Any!]!){_entities(representations:$representations)"
        f"{{... on {typename}{{{selection}}}}}}}"
    )
    requires = (
        InlineFragmentSelection(
            typename, (FieldSelection("__typename"), *(FieldSelection(k) for k in keys))
        ),
    )
    node = FetchNode(service_name=service, operation=operation, requires=requires)
    return FlattenNode(path=tuple(path.split(".")), node=node)


async def run(
    schema: GraphQLSchema,
    query: str,
    node: PlanNode | None,
    transports: Mapping[str, SubgraphTransport],
    variables: dict[str, Any] | None = None,
    development: bool = False,
) -> dict[str, Any]:
    """Runs a hand-written plan for ``query`` and returns the client response."""
    compiled = CompiledOperation(schema, parse(query))
    return await execute_operation(
        compiled, QueryPlan(node=node), variables, transports, development=development
    )
