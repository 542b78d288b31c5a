"""Orders fetch groups into plan nodes (Sequence / Parallel / Flatten)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from router.planner.groups import FetchGroup
from router.planner.nodes import (
    ConditionNode,
    FetchNode,
    FlattenNode,
    ParallelNode,
    PlanNode,
    SequenceNode,
)
from router.planner.selections import OutFragment, OutSet

ToNode = Callable[[FetchGroup], FetchNode]
_CONDITION = re.compile(r"^@(include|skip)\(if:\$(\w+)\)$")


def reduce_dependencies(groups: Sequence[FetchGroup]) -> None:
    """Drops dependencies implied by others (A->B->C makes A->C redundant) and self-loops."""
    ancestors: dict[int, set[int]] = {}

    def ancestors_of(group: FetchGroup) -> set[int]:
        found = ancestors.get(group.id)
        if found is None:
            found = set()
            ancestors[group.id] = found  # placed first: a cycle ends here
            for dep in group.deps:
                if dep is not group:
                    found.add(dep.id)
                    found |= ancestors_of(dep)
        return found

    for group in groups:
        group.deps.discard(group)
        implied = set().union(*(ancestors_of(d) for d in group.deps)) if group.deps else set()
        group.deps = {d for d in group.deps if d.id not in implied}


def schedule(groups: Sequence[FetchGroup], to_node: ToNode) -> PlanNode | None:
    """The plan node running ``groups`` after their dependencies (outside ones count as done)."""
    members = {g.id for g in groups}
    inside = {g.id: [d for d in g.deps if d.id in members] for g in groups}
    if all(len(deps) <= 1 for deps in inside.values()):
        children: dict[int, list[FetchGroup]] = {}
        roots: list[FetchGroup] = []
        for group in groups:
            deps = inside[group.id]
            if deps:
                children.setdefault(deps[0].id, []).append(group)
            else:
                roots.append(group)
        return _parallel([_tree(r, children, to_node) for r in roots])
    return _levels(groups, inside, to_node)


def _tree(group: FetchGroup, children: dict[int, list[FetchGroup]], to_node: ToNode) -> PlanNode:
    node = _wrap(group, to_node)
    below = _parallel([_tree(c, children, to_node) for c in children.get(group.id, ())])
    if below is not None:
        rest = list(below.nodes) if isinstance(below, SequenceNode) else [below]
        node = SequenceNode((node, *rest))
    return conditioned(group, node)


def conditioned(group: FetchGroup, node: PlanNode) -> PlanNode:
    """Wraps a group whose whole selection hangs on one @skip/@include in a Condition node.

    The condition stays in the subgraph operation too, so the fetch is right either way;
    the node only spares a fetch that would return nothing.
    """
    sets = list(group.entity_sets.values()) if group.entity else [group.root]
    found = {_single_condition(s) for s in sets}
    if len(found) != 1:
        return node
    condition = found.pop()
    if condition is None:
        return node
    kind, variable = condition
    if kind == "include":
        return ConditionNode(variable, node, None)
    return ConditionNode(variable, None, node)


def _single_condition(selections: OutSet) -> tuple[str, str] | None:
    items = list(selections.items.values())
    if len(items) != 1:
        return None
    item = items[0]
    if isinstance(item, OutFragment) and item.type_condition is not None:
        return None
    match = _CONDITION.match(item.directives)
    return (match.group(1), match.group(2)) if match else None


def _levels(
    groups: Sequence[FetchGroup], inside: dict[int, list[FetchGroup]], to_node: ToNode
) -> PlanNode | None:
    level: dict[int, int] = {}

    def level_of(group: FetchGroup) -> int:
        found = level.get(group.id)
        if found is None:
            level[group.id] = 0
            found = 1 + max((level_of(d) for d in inside[group.id]), default=-1)
            level[group.id] = found
        return found

    stages: dict[int, list[PlanNode]] = {}
    for group in groups:
        stages.setdefault(level_of(group), []).append(conditioned(group, _wrap(group, to_node)))
    steps = [_parallel(stages[i]) for i in sorted(stages)]
    return _sequence([s for s in steps if s is not None])


def _wrap(group: FetchGroup, to_node: ToNode) -> PlanNode:
    fetch = to_node(group)
    return FlattenNode(group.path, fetch) if group.entity else fetch


def _parallel(nodes: list[PlanNode]) -> PlanNode | None:
    if not nodes:
        return None
    if len(nodes) == 1:
        return nodes[0]
    return ParallelNode(tuple(nodes))


def _sequence(nodes: list[PlanNode]) -> PlanNode | None:
    if not nodes:
        return None
    if len(nodes) == 1:
        return nodes[0]
    flat: list[PlanNode] = []
    for node in nodes:
        flat.extend(node.nodes if isinstance(node, SequenceNode) else (node,))
    return SequenceNode(tuple(flat))


def sequence(nodes: list[PlanNode]) -> PlanNode | None:
    """A Sequence of the nodes (flattened; None when empty, the node itself when alone)."""
    return _sequence(nodes)


def descendants(root: FetchGroup, groups: Sequence[FetchGroup]) -> list[FetchGroup]:
    """The groups that (transitively) depend on ``root``, in creation order."""
    reached = {root.id}
    out: list[FetchGroup] = []
    for group in groups:  # creation order is a topological order
        if group.id not in reached and any(d.id in reached for d in group.deps):
            reached.add(group.id)
            out.append(group)
    return out
