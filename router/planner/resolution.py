"""Which graph resolves what: field resolvers under override labels, keys, provides, costs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from graphql import SelectionSetNode

from router.planner.selections import QField, QFragment, QSelection, SelectionReader
from router.supergraph.model import FieldInfo, Key, Supergraph

_NO_FRAGMENTS = SelectionReader({})


class PlanningError(Exception):
    """The operation cannot be planned against this supergraph."""


@dataclass(frozen=True, slots=True)
class Candidate:
    """A graph to jump to for a field: the entity type it knows and the key to use."""

    graph: str
    entity_type: str
    key: Key
    direct: bool
    rewrite: bool  # the target knows the type only as an @interfaceObject


class Resolution:
    """Cached answers about the supergraph for one set of enabled override labels."""

    def __init__(self, supergraph: Supergraph, override_labels: frozenset[str]) -> None:
        self.sg = supergraph
        self.labels = override_labels
        self._resolvers: dict[tuple[str, str], tuple[str, ...]] = {}
        self._field_sets: dict[int, tuple[QSelection, ...]] = {}
        self.order = {g: i for i, g in enumerate(supergraph.graphs)}

    def field(self, type_name: str, name: str) -> FieldInfo:
        """The field, or a PlanningError naming it."""
        info = self.sg.types.get(type_name)
        found = info.fields.get(name) if info is not None else None
        if found is None:
            raise PlanningError(f"Cannot query field '{name}' on type '{type_name}'.")
        return found

    def resolvers(self, type_name: str, name: str) -> tuple[str, ...]:
        """Graphs that define the type and resolve the field themselves."""
        key = (type_name, name)
        found = self._resolvers.get(key)
        if found is None:
            info = self.sg.types[type_name]
            fi = self.field(type_name, name)
            found = tuple(
                g
                for g in sorted(fi.graphs, key=self.order.__getitem__)
                if g in info.graphs and fi.graphs[g].resolves(self.labels)
            )
            self._resolvers[key] = found
        return found

    def field_set(self, node: SelectionSetNode) -> tuple[QSelection, ...]:
        """A parsed field set as selections (cached by node identity)."""
        found = self._field_sets.get(id(node))
        if found is None:
            found = self._field_sets[id(node)] = _NO_FRAGMENTS.read(node)
        return found

    def requires_of(self, graph: str, type_name: str, name: str) -> tuple[QSelection, ...]:
        """The ``@requires`` selections of a field in a graph (empty when none)."""
        if name == "__typename":
            return ()
        fg = self.field(type_name, name).graphs.get(graph)
        if fg is None or fg.requires is None:
            return ()
        return self.field_set(fg.requires)

    def provides_of(self, graph: str, type_name: str, name: str) -> tuple[QSelection, ...] | None:
        """The ``@provides`` selections of a field in a graph, or None."""
        fg = self.field(type_name, name).graphs.get(graph)
        if fg is None or fg.provides is None:
            return None
        return self.field_set(fg.provides)

    def local(
        self, graph: str, type_name: str, name: str, provided: Sequence[QSelection] | None
    ) -> bool:
        """Whether ``graph`` returns the field in the same fetch (no ``_entities`` hop)."""
        if name == "__typename":
            info = self.sg.types[type_name]
            return not (info.kind == "interface" and graph in info.interface_object_graphs)
        if graph in self.resolvers(type_name, name):
            return not self.requires_of(graph, type_name, name)
        if provided and provided_children(self.sg, provided, type_name, name) is not None:
            return graph in self.field(type_name, name).graphs
        return False

    def local_set(
        self,
        graph: str,
        type_name: str,
        selections: Sequence[QSelection],
        provided: Sequence[QSelection] | None,
    ) -> bool:
        """Whether every field of a field set is local to ``graph``."""
        for sel in selections:
            if isinstance(sel, QFragment):
                cond = sel.type_condition or type_name
                if not self.local_set(graph, cond, sel.selections, provided):
                    return False
                continue
            if not self.local(graph, type_name, sel.name, provided):
                return False
            if sel.selections:
                fi = self.field(type_name, sel.name)
                child = provided_children(self.sg, provided or (), type_name, sel.name)
                if not self.local_set(graph, fi.named_type, sel.selections, child):
                    return False
        return True

    def cost(self, graph: str, type_name: str, selections: Sequence[QSelection]) -> int:
        """A rough count of the entity hops a subtree needs when started in ``graph``."""
        total = 0
        for sel in selections:
            if isinstance(sel, QFragment):
                cond = sel.type_condition
                sub = cond if cond in self.sg.types else type_name
                total += self.cost(graph, sub, sel.selections)
            elif sel.name != "__typename":
                fi = self.field(type_name, sel.name)
                if graph not in self.resolvers(type_name, sel.name):
                    total += 1
                elif sel.selections:
                    total += self.cost(graph, fi.named_type, sel.selections)
        return total

    def keys(self, graph: str, type_name: str) -> list[Key]:
        """The resolvable keys of a type in a graph."""
        return [k for k in self.sg.types[type_name].keys.get(graph, ()) if k.resolvable]


def provided_children(
    sg: Supergraph, provided: Sequence[QSelection], type_name: str, name: str
) -> tuple[QSelection, ...] | None:
    """The provided sub-selections of field ``name`` at ``type_name``, or None if not provided."""
    found: list[QSelection] | None = None
    for sel in provided:
        if isinstance(sel, QField):
            if sel.name == name:
                found = (found or []) + list(sel.selections)
        elif sel.type_condition is None or _satisfies(sg, type_name, sel.type_condition):
            sub = provided_children(sg, sel.selections, type_name, name)
            if sub is not None:
                found = (found or []) + list(sub)
    return tuple(found) if found is not None else None


def _satisfies(sg: Supergraph, type_name: str, condition: str) -> bool:
    if type_name == condition:
        return True
    if condition not in sg.types:
        return False
    return type_name in sg.possible_types(condition)
