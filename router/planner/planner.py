"""The query planner: operation + supergraph -> QueryPlan (cached)."""

from __future__ import annotations

import re

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    OperationDefinitionNode,
)

from router.planner.builder import GroupBuilder
from router.planner.cache import PlanCache, document_hash
from router.planner.groups import FetchGroup
from router.planner.nodes import (
    FetchNode,
    OperationKind,
    ParallelNode,
    PlanNode,
    QueryPlan,
    SubscriptionNode,
)
from router.planner.resolution import PlanningError, Resolution
from router.planner.schedule import (
    ToNode,
    descendants,
    reduce_dependencies,
    schedule,
    sequence,
)
from router.planner.selections import SelectionReader
from router.supergraph.model import Supergraph

__all__ = ["PlanningError", "QueryPlanner"]

_MAX_LABEL_SETS = 64  # label sets are few; the bound only guards against misuse
_NOT_NAME = re.compile(r"[^_0-9A-Za-z]")  # subgraph names may hold characters names cannot


class QueryPlanner:
    """Plans operations against a supergraph; plans are cached per document and name."""

    def __init__(
        self,
        supergraph: Supergraph,
        override_labels: frozenset[str] = frozenset(),
        cache_size: int = 1024,
    ) -> None:
        self.supergraph = supergraph
        self.override_labels = frozenset(override_labels)
        self.resolution = Resolution(supergraph, self.override_labels)
        self._resolutions = {self.override_labels: self.resolution}
        self.cache = PlanCache(cache_size)

    def plan(
        self,
        document: DocumentNode,
        operation_name: str | None = None,
        override_labels: frozenset[str] | None = None,
    ) -> QueryPlan:
        """The plan of an operation of a validated document (cached).

        ``override_labels`` replaces the planner's enabled labels for this request (for
        routers that roll ``percent(x)`` labels per request); it is part of the cache key.
        """
        labels = self.override_labels if override_labels is None else override_labels
        key = (document_hash(document), operation_name, labels)
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        plan = self.build(document, operation_name, labels)
        self.cache.put(key, plan)
        return plan

    def _resolution(self, labels: frozenset[str]) -> Resolution:
        found = self._resolutions.get(labels)
        if found is None:
            if len(self._resolutions) >= _MAX_LABEL_SETS:
                self._resolutions.clear()
                self._resolutions[self.override_labels] = self.resolution
            found = self._resolutions[labels] = Resolution(self.supergraph, labels)
        return found

    def build(
        self,
        document: DocumentNode,
        operation_name: str | None = None,
        override_labels: frozenset[str] | None = None,
    ) -> QueryPlan:
        """Builds a plan without the cache."""
        labels = self.override_labels if override_labels is None else override_labels
        operation = _operation(document, operation_name)
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        kind: OperationKind = operation.operation.value  # type: ignore[assignment]
        selections = SelectionReader(fragments).read(operation.selection_set)
        builder = GroupBuilder(self._resolution(frozenset(labels)))
        builder.plan_root(kind, selections)
        groups = [g for g in builder.groups if not g.is_empty()]
        reduce_dependencies(groups)
        name = operation.name.value if operation.name else None
        definitions = {d.variable.name.value: d for d in operation.variable_definitions or ()}
        numbering = {g.id: i for i, g in enumerate(groups)}

        def to_node(group: FetchGroup) -> FetchNode:
            service = _NOT_NAME.sub("_", group.service)
            sub_name = f"{name}__{service}__{numbering[group.id]}" if name else None
            return group.to_node(kind, sub_name, definitions)

        roots = [g for g in builder.roots if not g.is_empty()]
        node = _assemble(kind, roots, groups, to_node)
        return QueryPlan(node, kind)


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is not None:
        for op in operations:
            if op.name is not None and op.name.value == name:
                return op
        raise PlanningError(f"Unknown operation named '{name}'.")
    if len(operations) != 1:
        raise PlanningError("Must provide operation name if query contains multiple operations.")
    return operations[0]


def _assemble(
    kind: OperationKind,
    roots: list[FetchGroup],
    groups: list[FetchGroup],
    to_node: ToNode,
) -> PlanNode | None:
    subtrees: list[PlanNode] = []
    for root in roots:
        below = descendants(root, groups)
        if kind == "subscription":
            primary = to_node(root)
            return SubscriptionNode(primary, schedule(below, to_node))
        node = schedule([root, *below], to_node)
        if node is not None:
            subtrees.append(node)
    if kind == "mutation":
        return sequence(subtrees)
    if not subtrees:
        return None
    return subtrees[0] if len(subtrees) == 1 else ParallelNode(tuple(subtrees))
