"""Splits an operation's selections into fetch groups (one per subgraph hop)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from router.planner.groups import FetchGroup, RepField, merge_rep
from router.planner.nodes import OperationKind, ValueSetter
from router.planner.resolution import Candidate, PlanningError, Resolution, provided_children
from router.planner.selections import (
    OutSet,
    QField,
    QFragment,
    QSelection,
    reserve_client_keys,
)

Wrapper = tuple[str, frozenset[str]]  # printed directives of a condition-only fragment
_ROOT_SKIPPED = frozenset({"__typename", "__schema", "__type"})
_TYPENAME = QField("__typename", None, "", "", frozenset())


@dataclass(frozen=True, slots=True)
class Pos:
    """Where selections are being planned: a group, an object in it, and the response path."""

    group: FetchGroup
    obj: OutSet  # the object's own selection set: keys and requirements go here
    cur: OutSet  # the innermost client condition fragment under ``obj``
    wrappers: tuple[Wrapper, ...]
    type_name: str
    path: tuple[str, ...]
    provided: tuple[QSelection, ...] | None = None
    rep: dict[str, RepField] | None = None  # set when planning a representation's fields


class GroupBuilder:
    """Builds the fetch groups of one operation."""

    def __init__(self, resolution: Resolution) -> None:
        self.res = resolution
        self.sg = resolution.sg
        self.groups: list[FetchGroup] = []
        self.roots: list[FetchGroup] = []
        self._children: dict[tuple[object, ...], FetchGroup] = {}
        self._touched: list[set[FetchGroup]] = []
        self._jumping: set[tuple[tuple[str, ...], str, str]] = set()

    # --- groups --------------------------------------------------------------------------

    def _new_group(self, graph: str, path: tuple[str, ...], entity: bool) -> FetchGroup:
        group = FetchGroup(len(self.groups), graph, self.sg.graph_name(graph), path, entity)
        self.groups.append(group)
        return group

    def _child_group(
        self, source: FetchGroup, graph: str, path: tuple[str, ...], deps: set[FetchGroup]
    ) -> FetchGroup:
        extra = frozenset(g.id for g in deps)
        key = (source.id, graph, path, extra)
        group = self._children.get(key)
        if group is None:
            group = self._children[key] = self._new_group(graph, path, True)
            group.deps |= deps
        return group

    def _touch(self, group: FetchGroup) -> None:
        for touched in self._touched:
            touched.add(group)

    # --- roots ---------------------------------------------------------------------------

    def plan_root(self, kind: OperationKind, selections: Sequence[QSelection]) -> None:
        """Plans the root selections of an operation of ``kind``."""
        root_type = self.sg.root_types.get(kind)
        if root_type is None:
            raise PlanningError(f"The schema has no {kind} type.")
        by_graph: dict[str, FetchGroup] = {}
        for sel, wrappers in _root_fields(selections, root_type, ()):
            graph = self._root_graph(root_type, sel, by_graph)
            if kind == "query":
                group = by_graph.get(graph)
            else:  # mutations run in order: only consecutive fields share a fetch
                group = self.roots[-1] if self.roots and self.roots[-1].graph == graph else None
            if group is None:
                group = by_graph[graph] = self._new_group(graph, (), False)
                reserve_client_keys(group.root, selections)
                self.roots.append(group)
            cur = self._wrap(group, group.root, wrappers)
            self._add_local(Pos(group, group.root, cur, wrappers, root_type, ()), sel)
        if kind == "subscription" and len(self.roots) > 1:
            raise PlanningError("A subscription must select one field of one subgraph.")

    def _root_graph(self, root_type: str, sel: QField, used: dict[str, FetchGroup]) -> str:
        graphs = self.res.resolvers(root_type, sel.name)
        if not graphs:
            raise PlanningError(f"No subgraph resolves '{root_type}.{sel.name}'.")
        if len(graphs) == 1:
            return graphs[0]
        return min(
            graphs,
            key=lambda g: (self.res.cost(g, root_type, (sel,)), g not in used, self.res.order[g]),
        )

    # --- selections ----------------------------------------------------------------------

    def plan_selections(self, pos: Pos, selections: Sequence[QSelection]) -> None:
        """Plans selections at a position."""
        for sel in selections:
            if isinstance(sel, QField):
                self.plan_field(pos, sel)
            else:
                self.plan_fragment(pos, sel)

    def plan_field(self, pos: Pos, sel: QField) -> None:
        """Plans one field: in this fetch when the graph resolves it, else through a hop."""
        if pos.rep is not None and sel.alias is None:
            sel = self._internal_alias(pos.obj, sel)
        graph = pos.group.graph
        if self.sg.is_abstract_in(graph, pos.type_name) and sel.name != "__typename":
            if self._interface_level(pos, sel):
                self._add_local(pos, sel)
                return
            hop = self._interface_hop(pos, sel)
            if hop is not None:
                self._add_local(self._enter(pos, hop, ()), sel)
                return
            for runtime in self.sg.runtime_types_in(graph, pos.type_name):
                self.plan_field(self._runtime_pos(pos, runtime), sel)
            return
        if not self.res.local(graph, pos.type_name, sel.name, pos.provided):
            self._jump(pos, sel)
        elif sel.selections and self._stuck(pos, sel):
            self._jump(pos, sel, self._completing(pos, sel) or None)
        else:
            self._add_local(pos, sel)

    def _stuck(self, pos: Pos, sel: QField) -> bool:
        """A local field of a key-less type whose sub-selections this graph cannot resolve."""
        fi = self.res.field(pos.type_name, sel.name)
        child = self.sg.types[fi.named_type]
        if child.kind != "object" or any(self.res.keys(g, child.name) for g in child.graphs):
            return False
        provided = provided_children(self.sg, pos.provided or (), pos.type_name, sel.name)
        provided = self.res.provides_of(pos.group.graph, pos.type_name, sel.name) or provided
        return not self.res.local_set(pos.group.graph, child.name, sel.selections, provided)

    def _completing(self, pos: Pos, sel: QField) -> list[Candidate]:
        """Other graphs that resolve the field and everything selected below it."""
        named = self.res.field(pos.type_name, sel.name).named_type
        return [
            c
            for c in self._candidates(pos, sel.name)
            if c.graph != pos.group.graph
            and self.res.local_set(c.graph, named, sel.selections, None)
        ]

    def _interface_level(self, pos: Pos, sel: QField) -> bool:
        graph = pos.group.graph
        if not self.res.local(graph, pos.type_name, sel.name, pos.provided):
            return False
        return all(
            self.res.local(graph, r, sel.name, pos.provided)
            for r in self.sg.runtime_types_in(graph, pos.type_name)
        )

    def _interface_hop(self, pos: Pos, sel: QField) -> Candidate | None:
        """A hop on an interface's own key to a graph resolving the field for every type.

        Saves one ``... on T`` per implementation in the fetch and its representations.
        """
        info = self.sg.types[pos.type_name]
        source = pos.group.graph
        if info.kind != "interface" or pos.rep is not None:
            return None
        runtimes = self.sg.runtime_types_in(source, pos.type_name)
        for graph in self.res.resolvers(pos.type_name, sel.name):
            if graph == source or graph in info.interface_object_graphs:
                continue
            if self.res.requires_of(graph, pos.type_name, sel.name):
                continue
            if not self._abstract_ok(graph, pos.type_name, sel.name):
                continue
            if not set(runtimes) <= set(self.sg.runtime_types_in(graph, pos.type_name)):
                continue
            for key in self.res.keys(graph, pos.type_name):
                fields = self.res.field_set(key.selection)
                if all(self.res.local_set(source, r, fields, pos.provided) for r in runtimes):
                    return Candidate(graph, pos.type_name, key, True, False)
        return None

    def _runtime_pos(self, pos: Pos, runtime: str) -> Pos:
        obj = pos.obj.add_fragment(runtime, "")
        cur = obj if pos.cur is pos.obj else pos.cur.add_fragment(runtime, "")
        rep = pos.rep
        if rep is not None:
            rep = rep.setdefault(f"...on {runtime}", RepField()).children
        return replace(pos, obj=obj, cur=cur, type_name=runtime, rep=rep)

    def plan_fragment(self, pos: Pos, frag: QFragment) -> None:
        """Plans an inline fragment: a condition wrapper, a type narrowing, or nothing."""
        cond = frag.type_condition
        graph = pos.group.graph
        if (
            cond is None
            or cond == pos.type_name
            or (
                not self.sg.types[pos.type_name].is_abstract
                and pos.type_name in self.sg.possible_types(cond)
            )
        ):
            self.plan_selections(self._conditioned(pos, frag), frag.selections)
            return
        if not self.sg.is_abstract_in(graph, pos.type_name):
            if pos.type_name in self.sg.types and self.sg.types[pos.type_name].is_abstract:
                # An @interfaceObject does not know the concrete type: ask the interface's owner.
                self._jump_fragment(pos, frag)
            return
        wanted = self.sg.possible_types(cond)
        for runtime in self.sg.runtime_types_in(graph, pos.type_name):
            if runtime in wanted:
                inner = self._conditioned(self._runtime_pos(pos, runtime), frag)
                self.plan_selections(inner, frag.selections)

    def _conditioned(self, pos: Pos, frag: QFragment) -> Pos:
        if not frag.directives or pos.rep is not None:
            return pos
        wrapper = (frag.directives, frag.variables)
        cur = pos.cur.add_fragment(None, frag.directives, frag.variables)
        return replace(pos, cur=cur, wrappers=(*pos.wrappers, wrapper))

    def _wrap(self, group: FetchGroup, base: OutSet, wrappers: tuple[Wrapper, ...]) -> OutSet:
        cur = base
        for directives, variables in wrappers:
            cur = cur.add_fragment(None, directives, variables)
        return cur

    def _add_local(self, pos: Pos, sel: QField) -> None:
        group = pos.group
        composite = bool(sel.selections)
        out = (pos.obj if pos.rep is not None else pos.cur).add_field(
            sel.name, sel.alias, sel.args, sel.directives, composite, sel.variables
        )
        self._touch(group)
        child_rep: dict[str, RepField] | None = None
        if pos.rep is not None:
            entry = pos.rep.setdefault(sel.name, RepField(sel.alias))
            child_rep = entry.children
        if not composite or out.children is None:
            return
        fi = self.res.field(pos.type_name, sel.name)
        provided = self.res.provides_of(group.graph, pos.type_name, sel.name)
        if provided is None and pos.provided:
            provided = provided_children(self.sg, pos.provided, pos.type_name, sel.name)
        if child_rep is None:
            reserve_client_keys(out.children, sel.selections)
        if self.sg.types[fi.named_type].is_abstract:
            # The executor needs the concrete type to apply type conditions.
            out.children.add_field("__typename", None, "", "", False)
            if child_rep is not None:
                child_rep.setdefault("__typename", RepField())
        path = (*pos.path, sel.response_key, *("@",) * fi.list_depth)
        child = Pos(group, out.children, out.children, (), fi.named_type, path, provided, child_rep)
        self.plan_selections(child, sel.selections)

    def _internal_alias(self, obj: OutSet, sel: QField) -> QField:
        taken = obj.taken(sel.name)
        if taken is None or taken == (sel.name, sel.args):
            return sel
        for n in range(1, 100):
            alias = f"_mw{n}_{sel.name}"
            if obj.taken(alias) in (None, (sel.name, sel.args)):
                return replace(sel, alias=alias)
        raise PlanningError(f"cannot alias internal field '{sel.name}'")

    # --- entity hops ---------------------------------------------------------------------

    def _jump(self, pos: Pos, sel: QField, candidates: list[Candidate] | None = None) -> None:
        if candidates is None:
            candidates = list(self._candidates(pos, sel.name))
        if not candidates:
            if self.res.local(pos.group.graph, pos.type_name, sel.name, pos.provided):
                self._add_local(pos, sel)  # nothing better: fails below with the real culprit
                return
            raise PlanningError(
                f"Cannot plan '{pos.type_name}.{sel.name}' at '{'.'.join(pos.path) or '<root>'}':"
                f" no subgraph can resolve it from subgraph '{pos.group.service}'"
                " (no usable @key)."
            )
        choice = min(candidates, key=lambda c: self._rank(pos, c, (sel,)))
        target = self._enter(
            pos, choice, self.res.requires_of(choice.graph, choice.entity_type, sel.name)
        )
        self._add_local(target, sel)

    def _jump_fragment(self, pos: Pos, frag: QFragment) -> None:
        candidates = list(self._candidates(pos, "__typename"))
        if not candidates:
            raise PlanningError(f"No subgraph resolves the concrete types of '{pos.type_name}'.")
        choice = min(candidates, key=lambda c: self._rank(pos, c, (frag,)))
        target = self._enter(pos, choice, ())
        self.plan_fragment(target, frag)

    def _rank(self, pos: Pos, cand: Candidate, sels: tuple[QSelection, ...]) -> tuple[int, ...]:
        cost = self.res.cost(cand.graph, cand.entity_type, sels)
        existing = (pos.group.id, cand.graph, pos.path, frozenset((pos.group.id,)))
        return (
            not cand.direct,
            cost,
            existing not in self._children,
            cand.rewrite,
            self.res.order[cand.graph],
        )

    def _candidates(self, pos: Pos, name: str) -> Iterator[Candidate]:
        source, type_name = pos.group.graph, pos.type_name
        info = self.sg.types[type_name]
        if name == "__typename":
            graphs: Sequence[str] = [
                g for g in info.graphs if g not in info.interface_object_graphs
            ]
        else:
            graphs = self.res.resolvers(type_name, name)
        for graph in graphs:
            if graph == source and not self.res.requires_of(graph, type_name, name):
                continue
            if not self._abstract_ok(graph, type_name, name):
                continue
            cand = self._keyed(pos, graph, type_name, rewrite=False)
            if cand is not None:
                yield cand
        if name == "__typename" or info.kind != "object":
            return
        for iface in info.interfaces:
            for graph in self.sg.types[iface].interface_object_graphs:
                if name in self.sg.types[iface].fields and graph in self.res.resolvers(iface, name):
                    cand = self._keyed(pos, graph, iface, rewrite=True)
                    if cand is not None:
                        yield cand

    def _abstract_ok(self, graph: str, type_name: str, name: str) -> bool:
        """An interface field is only usable where every implementation resolves it too."""
        if name == "__typename" or not self.sg.is_abstract_in(graph, type_name):
            return True
        return all(
            self.res.local(graph, r, name, None) for r in self.sg.runtime_types_in(graph, type_name)
        )

    def _keyed(self, pos: Pos, graph: str, entity_type: str, rewrite: bool) -> Candidate | None:
        if (pos.path, pos.type_name, graph) in self._jumping:
            return None
        keys = self.res.keys(graph, entity_type)
        for key in keys:
            fields = self.res.field_set(key.selection)
            if self.res.local_set(pos.group.graph, pos.type_name, fields, pos.provided):
                return Candidate(graph, entity_type, key, True, rewrite)
        if keys:
            return Candidate(graph, entity_type, keys[0], False, rewrite)
        return None

    def _enter(self, pos: Pos, cand: Candidate, requires: Sequence[QSelection]) -> Pos:
        """Adds key and required fields to the source and returns the position in the target."""
        source = pos.group
        rep: dict[str, RepField] = {"__typename": RepField()}
        touched: set[FetchGroup] = {source}
        obj_pos = Pos(source, pos.obj, pos.obj, (), pos.type_name, pos.path, pos.provided, rep)
        guard = (pos.path, pos.type_name, cand.graph)
        self._touched.append(touched)
        self._jumping.add(guard)
        try:
            pos.obj.add_field("__typename", None, "", "", False)
            self.plan_selections(obj_pos, self.res.field_set(cand.key.selection))
            self.plan_selections(obj_pos, requires)
        finally:
            self._touched.pop()
            self._jumping.discard(guard)
        group = self._child_group(source, cand.graph, pos.path, touched)
        self._touch(group)
        merge_rep(group.representation(pos.type_name), rep)
        if cand.rewrite:
            setter = ValueSetter((f"... on {pos.type_name}", "__typename"), cand.entity_type)
            if setter not in group.input_rewrites:
                group.input_rewrites.append(setter)
        ents = group.entity_set(cand.entity_type)
        ents.reserved.update(pos.obj.reserved)
        if self.sg.is_abstract_in(cand.graph, cand.entity_type):
            # The source only knew the interface: this fetch tells the concrete type.
            ents.add_field("__typename", None, "", "", False)
        cur = self._wrap(group, ents, pos.wrappers)
        return Pos(group, ents, cur, pos.wrappers, cand.entity_type, pos.path, None, pos.rep)


def _root_fields(
    selections: Sequence[QSelection], root_type: str, wrappers: tuple[Wrapper, ...]
) -> Iterator[tuple[QField, tuple[Wrapper, ...]]]:
    for sel in selections:
        if isinstance(sel, QField):
            if sel.name not in _ROOT_SKIPPED:
                yield sel, wrappers
        elif sel.type_condition in (None, root_type):
            inner = (*wrappers, (sel.directives, sel.variables)) if sel.directives else wrappers
            yield from _root_fields(sel.selections, root_type, inner)
