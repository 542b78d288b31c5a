"""Shared helpers for planner tests: the fixture supergraphs and planning shortcuts."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from graphql import parse

from router.planner.nodes import FetchNode, FlattenNode, PlanNode, QueryPlan
from router.planner.planner import QueryPlanner
from router.supergraph.model import Supergraph

HERE = Path(__file__).parent
SUPERGRAPHS = HERE / "supergraphs"
SNAPSHOTS = HERE / "snapshots"


@cache
def supergraph(name: str) -> Supergraph:
    """A fixture supergraph (composed by Apollo's composer from ``supergraphs/<name>/``)."""
    return Supergraph.from_sdl((SUPERGRAPHS / f"{name}.graphql").read_text())


def plan(name: str, query: str, labels: frozenset[str] = frozenset()) -> QueryPlan:
    """Plans ``query`` against fixture supergraph ``name``."""
    return QueryPlanner(supergraph(name), labels).plan(parse(query))


def fetches(node: PlanNode | None) -> list[FetchNode]:
    """Every fetch of a plan, in plan order."""
    if node is None:
        return []
    if isinstance(node, FetchNode):
        return [node]
    if isinstance(node, FlattenNode):
        return [node.node]
    kind = node.kind
    if kind in ("Sequence", "Parallel"):
        return [f for child in node.nodes for f in fetches(child)]  # type: ignore[union-attr]
    if kind == "Condition":
        return fetches(node.if_clause) + fetches(node.else_clause)  # type: ignore[union-attr]
    return [node.primary, *fetches(node.rest)]  # type: ignore[union-attr]
