"""Runs a ``QueryPlan`` (router/planner/nodes.py) against the subgraphs.

The result is the merged data tree (every field the fetches returned, planner
additions included) and the errors with client paths; ``shape.py`` turns it
into the client response.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from router.executor.data import JSONObject, PossibleTypes
from router.executor.errors import GraphQLErrorDict
from router.executor.fetch import ExecutionContext, FetchObserver, run_fetch
from router.executor.inflight import InflightFetches
from router.planner.nodes import (
    ConditionNode,
    FetchNode,
    FlattenNode,
    ParallelNode,
    PlanNode,
    QueryPlan,
    SequenceNode,
    SubscriptionNode,
)
from router.transports import SubgraphTransport

__all__ = ["ExecutionContext", "FetchObserver", "execute_node", "execute_plan"]

_NO_POSSIBLE_TYPES: PossibleTypes = {}


async def execute_plan(
    plan: QueryPlan,
    variables: Mapping[str, Any],
    transports: Mapping[str, SubgraphTransport],
    *,
    possible_types: PossibleTypes = _NO_POSSIBLE_TYPES,
    headers: dict[str, str] | None = None,
    development: bool = False,
    on_fetch: FetchObserver | None = None,
    inflight: InflightFetches | None = None,
) -> tuple[JSONObject, list[GraphQLErrorDict]]:
    """Runs every node of ``plan``; returns the merged data and client-pathed errors.

    With ``inflight``, identical query fetches in flight at the same time (across
    requests sharing it) make one subgraph call.
    """
    data: JSONObject = {}
    context = ExecutionContext(
        variables,
        transports,
        possible_types=possible_types,
        headers=headers,
        development=development,
        on_fetch=on_fetch,
        inflight=inflight,
    )
    if plan.node is not None:
        await execute_node(plan.node, data, context)
    return data, context.errors


async def execute_node(node: PlanNode, data_root: JSONObject, context: ExecutionContext) -> None:
    """Runs ``node`` into ``data_root`` (e.g. a subscription event's data, for ``rest``).

    A ``SubscriptionNode`` runs only its ``rest``: the subscription itself (its
    ``primary`` fetch) is driven by the subscriptions engine, once per event.
    """
    kind = node.kind
    if kind == "Fetch":
        assert isinstance(node, FetchNode)
        await run_fetch(node, data_root, (), context)
    elif kind == "Flatten":
        assert isinstance(node, FlattenNode)
        await run_fetch(node.node, data_root, node.path, context)
    elif kind == "Sequence":
        assert isinstance(node, SequenceNode)
        for child in node.nodes:
            await execute_node(child, data_root, context)
    elif kind == "Parallel":
        assert isinstance(node, ParallelNode)
        await _parallel(node, data_root, context)
    elif kind == "Condition":
        assert isinstance(node, ConditionNode)
        branch = node.if_clause if context.variables.get(node.condition) else node.else_clause
        if branch is not None:
            await execute_node(branch, data_root, context)
    else:
        assert isinstance(node, SubscriptionNode)
        if node.rest is not None:
            await execute_node(node.rest, data_root, context)


async def _parallel(node: ParallelNode, data_root: JSONObject, context: ExecutionContext) -> None:
    children = node.nodes
    if len(children) == 1:
        await execute_node(children[0], data_root, context)
    elif children:
        # Each fetch records its own failures, so one branch failing never cancels another.
        await asyncio.gather(*(execute_node(child, data_root, context) for child in children))
