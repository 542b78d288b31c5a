"""Merge subgraph types into the supergraph (Apollo's merge rules and directive order)."""

from __future__ import annotations

from dataclasses import dataclass, field

from router.composition.access import ACCESS_CONTROL, ExtraSources
from router.composition.errors import CompositionIssue
from router.composition.merge_support import (
    gathered_names,
    graph_enum_names,
    merge_applied,
)
from router.composition.model import Applied, Subgraph, TypeDef
from router.composition.supermodel import SType, directive, gql_string

REPEATABLE = {"tag"}
SPEC_MERGED = {
    "tag",
    "inaccessible",
    "authenticated",
    "requiresScopes",
    "policy",
    "cost",
    "listSize",
}
BUILT_IN_MERGED = {"deprecated", "specifiedBy", "oneOf"}


@dataclass
class Sources:
    """The subgraphs (by index) that define one type, with their definitions."""

    items: list[tuple[int, TypeDef]] = field(default_factory=list)

    def directives(self) -> list[list[Applied]]:
        return [typedef.directives for _, typedef in self.items]


class MergeBase:
    """State shared by the merge steps: subgraphs, graph names, issues, merged types."""

    def __init__(self, subgraphs: list[Subgraph], spec_names: dict[str, str]) -> None:
        self.subgraphs = subgraphs
        self.spec_names = spec_names
        self.hidden = "@" + spec_names.get("inaccessible", "inaccessible")
        self.graphs = graph_enum_names([s.name for s in subgraphs])
        self.issues: list[CompositionIssue] = []
        self.types: dict[str, SType] = {}
        self.access_extra: ExtraSources = {}
        self.enum_usage: dict[str, set[str]] = {}
        self.enum_examples: dict[str, dict[str, str]] = {}
        composed = {name for s in subgraphs for name in s.composed}
        self.merged_names = SPEC_MERGED | BUILT_IN_MERGED | composed
        self.repeatable = REPEATABLE | {
            name for s in subgraphs for name, d in s.directive_defs.items() if d.repeatable
        }

    def graph(self, idx: int) -> str:
        return self.graphs[self.subgraphs[idx].name]

    def error(self, code: str, message: str) -> None:
        self.issues.append(CompositionIssue(code, message))

    def sources(self, name: str) -> Sources:
        found = Sources()
        for idx, subgraph in enumerate(self.subgraphs):
            typedef = subgraph.types.get(name)
            if typedef is not None:
                found.items.append((idx, typedef))
        return found

    def merged_directives(
        self, per_source: list[list[Applied]], access_first: bool, coordinate: str = ""
    ) -> list[str]:
        """Merged non-join directives; access control also from implementations when asked."""
        names = gathered_names(per_source, self.merged_names, access_first)
        if not access_first:
            return merge_applied(per_source, names, self.repeatable)
        printed: list[str] = []
        for name in ACCESS_CONTROL:
            extra = self.access_extra.get((coordinate, name), [])
            if name in names or extra:
                printed += merge_applied(per_source + extra, [name], self.repeatable)
        rest = [n for n in names if n not in ACCESS_CONTROL]
        return printed + merge_applied(per_source, rest, self.repeatable)

    def inaccessible(self, per_source: list[list[Applied]]) -> list[str]:
        found = any(a.name == "inaccessible" for applied in per_source for a in applied)
        return [self.hidden] if found else []

    def record_enum_usage(self, type_name: str, position: str, coordinate: str) -> None:
        self.enum_usage.setdefault(type_name, set()).add(position)
        self.enum_examples.setdefault(type_name, {}).setdefault(position, coordinate)

    def join_type(self, sources: Sources) -> list[str]:
        """`@join__type` per defining subgraph (one per key for entities)."""
        applied: list[str] = []
        for idx, typedef in sources.items:
            graph = self.graph(idx)
            itf_object = True if typedef.interface_object else None
            if not typedef.keys:
                applied.append(directive("join__type", graph=graph, isInterfaceObject=itf_object))
                continue
            for key in typedef.keys:
                applied.append(
                    directive(
                        "join__type",
                        graph=graph,
                        key=gql_string(key.fields),
                        extension=True if (key.extension or typedef.extends) else None,
                        resolvable=False if not key.resolvable else None,
                        isInterfaceObject=itf_object,
                    )
                )
        return applied
