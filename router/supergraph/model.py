"""In-memory model of a supergraph SDL (Apollo's format, join v0.3 to v0.5)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Literal

from graphql import (
    DirectiveNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    InputObjectTypeDefinitionNode,
    InputObjectTypeExtensionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    ListTypeNode,
    NamedTypeNode,
    NonNullTypeNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    ScalarTypeDefinitionNode,
    SchemaDefinitionNode,
    SelectionSetNode,
    TypeNode,
    UnionTypeDefinitionNode,
    UnionTypeExtensionNode,
    parse,
    value_from_ast_untyped,
)

if TYPE_CHECKING:
    from graphql import GraphQLSchema

TypeKind = Literal["object", "interface", "union", "enum", "input", "scalar"]
_KINDS: dict[type, TypeKind] = {
    ObjectTypeDefinitionNode: "object",
    ObjectTypeExtensionNode: "object",
    InterfaceTypeDefinitionNode: "interface",
    InterfaceTypeExtensionNode: "interface",
    UnionTypeDefinitionNode: "union",
    UnionTypeExtensionNode: "union",
    EnumTypeDefinitionNode: "enum",
    EnumTypeExtensionNode: "enum",
    InputObjectTypeDefinitionNode: "input",
    InputObjectTypeExtensionNode: "input",
    ScalarTypeDefinitionNode: "scalar",
}


class SupergraphError(ValueError):
    """The SDL is not a supergraph this router understands."""


def parse_field_set(text: str) -> SelectionSetNode:
    """Parse a federation ``FieldSet`` string (``"id sku { a }"``) into a selection set."""
    op = parse("{" + text + "}", no_location=True).definitions[0]
    return op.selection_set  # type: ignore[attr-defined, no-any-return]


@dataclass(frozen=True, slots=True)
class Graph:
    """One subgraph: its ``join__Graph`` enum value, name and routing URL."""

    enum: str
    name: str
    url: str


@dataclass(frozen=True, slots=True)
class Key:
    """One ``@join__type(key:)`` of a type in one graph."""

    graph: str
    fields: str
    selection: SelectionSetNode
    resolvable: bool = True
    extension: bool = False


@dataclass(slots=True)
class FieldInGraph:
    """What one graph says about a field (``@join__field``)."""

    graph: str
    requires: SelectionSetNode | None = None
    provides: SelectionSetNode | None = None
    external: bool = False
    override: str | None = None
    override_label: str | None = None
    used_overridden: bool = False
    type: str | None = None

    def resolves(self, enabled_labels: frozenset[str]) -> bool:
        """Whether this graph resolves the field itself, given the enabled override labels."""
        if self.external or self.used_overridden:
            return False
        if self.override_label is None:
            return True
        enabled = self.override_label in enabled_labels or _always_on(self.override_label)
        # The overriding graph names `override`; the overridden one only carries the label.
        return enabled if self.override is not None else not enabled


@dataclass(slots=True)
class FieldInfo:
    """A field of an object or interface type, with its per-graph facts."""

    name: str
    parent: str
    type: TypeNode
    named_type: str
    list_depth: int
    graphs: dict[str, FieldInGraph]


@dataclass(slots=True)
class TypeInfo:
    """A named type, with the graphs that define it and their keys, members and interfaces."""

    name: str
    kind: TypeKind
    graphs: list[str] = field(default_factory=list)
    keys: dict[str, list[Key]] = field(default_factory=dict)
    interface_object_graphs: set[str] = field(default_factory=set)
    implements: dict[str, set[str]] = field(default_factory=dict)
    union_members: dict[str, list[str]] = field(default_factory=dict)
    interfaces: list[str] = field(default_factory=list)
    members: list[str] = field(default_factory=list)
    fields: dict[str, FieldInfo] = field(default_factory=dict)
    enum_values: dict[str, set[str]] = field(default_factory=dict)
    inaccessible: bool = False

    @property
    def is_abstract(self) -> bool:
        """Interfaces and unions."""
        return self.kind in ("interface", "union")


def _args(node: DirectiveNode) -> dict[str, object]:
    return {a.name.value: value_from_ast_untyped(a.value) for a in node.arguments or ()}


def _unwrap(type_node: TypeNode) -> tuple[str, int]:
    depth = 0
    while not isinstance(type_node, NamedTypeNode):
        if isinstance(type_node, ListTypeNode):
            depth += 1
        assert isinstance(type_node, NonNullTypeNode | ListTypeNode)
        type_node = type_node.type
    return type_node.name.value, depth


@dataclass(slots=True)
class _Names:
    """Directive names after ``@link(as:)`` renames."""

    join: str = "join"
    inaccessible: str = "inaccessible"
    join_version: str = ""


class Supergraph:
    """A parsed supergraph: graphs, types, fields and their join facts."""

    def __init__(self, sdl: str, document: DocumentNode) -> None:
        self.sdl = sdl
        self.graphs: dict[str, Graph] = {}
        self.types: dict[str, TypeInfo] = {}
        self.root_types: dict[str, str] = {"query": "Query"}
        self._names = _Names()
        self._load(document)
        self._possible: dict[str, frozenset[str]] = {}

    @classmethod
    def from_sdl(cls, text: str) -> Supergraph:
        """Parse a supergraph SDL into the model."""
        return cls(text, parse(text, no_location=True))

    @cached_property
    def override_labels(self) -> frozenset[str]:
        """Every progressive-override label the supergraph uses."""
        return frozenset(
            fg.override_label
            for info in self.types.values()
            for fi in info.fields.values()
            for fg in fi.graphs.values()
            if fg.override_label is not None
        )

    @property
    def join_version(self) -> str:
        """The join spec version linked by the SDL (``v0.5``), or empty when unknown."""
        return self._names.join_version

    @cached_property
    def api_schema(self) -> GraphQLSchema:
        """The client-facing schema: no join directives, no ``@inaccessible`` elements."""
        from router.supergraph.api_schema import build_api_schema

        return build_api_schema(self.sdl)

    def graph_name(self, enum: str) -> str:
        """The subgraph name of a ``join__Graph`` value."""
        return self.graphs[enum].name

    def possible_types(self, type_name: str) -> frozenset[str]:
        """Object types that may appear at a position of this type, across the supergraph."""
        cached = self._possible.get(type_name)
        if cached is not None:
            return cached
        info = self.types[type_name]
        if info.kind == "object":
            result = frozenset((type_name,))
        elif info.kind == "union":
            result = frozenset(info.members)
        else:
            result = frozenset(
                t.name
                for t in self.types.values()
                if t.kind == "object" and type_name in t.interfaces
            )
        self._possible[type_name] = result
        return result

    def runtime_types_in(self, graph: str, type_name: str) -> list[str]:
        """Object types a graph may return at a position of this abstract type."""
        info = self.types[type_name]
        if info.kind == "union":
            members = info.union_members.get(graph)
            if members is None:
                members = [m for m in info.members if graph in self.types[m].graphs]
            return members
        return [
            name
            for name in sorted(self.possible_types(type_name))
            if type_name in self.types[name].implements.get(graph, ())
        ]

    def is_abstract_in(self, graph: str, type_name: str) -> bool:
        """Whether the type is abstract in that graph (an ``@interfaceObject`` is not)."""
        info = self.types[type_name]
        return info.is_abstract and graph not in info.interface_object_graphs

    # --- loading -------------------------------------------------------------------------

    def _load(self, document: DocumentNode) -> None:
        definitions = document.definitions
        for node in definitions:
            if isinstance(node, SchemaDefinitionNode):
                self._load_schema(node)
        for node in definitions:
            kind = _KINDS.get(type(node))
            if kind is not None:
                self._load_type(node, kind)
        if not self.graphs:
            raise SupergraphError("no join__Graph enum: not a supergraph SDL")
        for info in self.types.values():
            if not info.graphs and info.kind in ("object", "interface", "union"):
                # No @join__type at all: a type every subgraph shares (some composers omit it).
                info.graphs = list(self.graphs)
                for fi in info.fields.values():
                    fi.graphs = fi.graphs or {g: FieldInGraph(g) for g in self.graphs}
        if self._names.join_version in ("v0.1", "v0.2"):
            raise SupergraphError(
                f"join {self._names.join_version} (a Federation 1 supergraph) is not supported: "
                "recompose with Federation 2 composition (join v0.3 or later)"
            )

    def _load_schema(self, node: SchemaDefinitionNode) -> None:
        for op in node.operation_types:
            self.root_types[op.operation.value] = op.type.name.value
        for directive in node.directives or ():
            if directive.name.value != "link":
                continue
            args = _args(directive)
            url = str(args.get("url", ""))
            alias = args.get("as")
            if "/join/" in url:
                self._names.join_version = url.rsplit("/", 1)[-1]
                if isinstance(alias, str):
                    self._names.join = alias
            elif "/inaccessible/" in url and isinstance(alias, str):
                self._names.inaccessible = alias

    def _load_type(self, node: object, kind: TypeKind) -> None:
        name = node.name.value  # type: ignore[attr-defined]
        info = self.types.get(name)
        if info is None:
            info = self.types[name] = TypeInfo(name, kind)
        if name == f"{self._names.join}__Graph":
            self._load_graphs(node)
        for directive in node.directives or ():  # type: ignore[attr-defined]
            self._type_directive(info, directive)
        for iface in getattr(node, "interfaces", None) or ():
            info.interfaces.append(iface.name.value)
        for member in getattr(node, "types", None) or ():
            info.members.append(member.name.value)
        if kind in ("object", "interface"):
            for fdef in node.fields or ():  # type: ignore[attr-defined]
                self._load_field(info, fdef)
        elif kind == "enum":
            for value in node.values or ():  # type: ignore[attr-defined]
                graphs = {
                    str(_args(d).get("graph"))
                    for d in value.directives or ()
                    if d.name.value == f"{self._names.join}__enumValue"
                }
                info.enum_values[value.name.value] = graphs or set(info.graphs)

    def _load_graphs(self, node: object) -> None:
        for value in node.values or ():  # type: ignore[attr-defined]
            for directive in value.directives or ():
                if directive.name.value == f"{self._names.join}__graph":
                    args = _args(directive)
                    enum = value.name.value
                    self.graphs[enum] = Graph(enum, str(args["name"]), str(args.get("url") or ""))

    def _type_directive(self, info: TypeInfo, directive: DirectiveNode) -> None:
        name = directive.name.value
        join = self._names.join
        if name == self._names.inaccessible:
            info.inaccessible = True
            return
        if not name.startswith(join + "__"):
            return
        args = _args(directive)
        graph = str(args.get("graph"))
        if name == f"{join}__type":
            if graph not in info.graphs:
                info.graphs.append(graph)
            if args.get("isInterfaceObject"):
                info.interface_object_graphs.add(graph)
            key = args.get("key")
            known = info.keys.setdefault(graph, [])
            # Federation 1 subgraphs may repeat a key on `extend type`; keep one.
            if isinstance(key, str) and all(k.fields != key for k in known):
                known.append(
                    Key(
                        graph,
                        key,
                        parse_field_set(key),
                        resolvable=args.get("resolvable") is not False,
                        extension=bool(args.get("extension")),
                    )
                )
        elif name == f"{join}__implements":
            info.implements.setdefault(graph, set()).add(str(args["interface"]))
        elif name == f"{join}__unionMember":
            info.union_members.setdefault(graph, []).append(str(args["member"]))

    def _load_field(self, info: TypeInfo, fdef: object) -> None:
        type_node: TypeNode = fdef.type  # type: ignore[attr-defined]
        named, depth = _unwrap(type_node)
        name = fdef.name.value  # type: ignore[attr-defined]
        per_graph: dict[str, FieldInGraph] = {}
        join_field = f"{self._names.join}__field"
        bare = False
        for directive in fdef.directives or ():  # type: ignore[attr-defined]
            if directive.name.value != join_field:
                continue
            args = _args(directive)
            graph = args.get("graph")
            if graph is None:
                bare = True
                continue
            per_graph[str(graph)] = _field_in_graph(str(graph), args)
        if not per_graph and not bare:
            # No @join__field: every graph defining the parent type resolves the field.
            per_graph = {g: FieldInGraph(g) for g in info.graphs}
        info.fields[name] = FieldInfo(name, info.name, type_node, named, depth, per_graph)


_PERCENT = re.compile(r"^percent\((\d+(?:\.\d+)?)\)$")


def _always_on(label: str) -> bool:
    """``percent(100)`` is on for every request, as in Apollo Router and Hive Gateway."""
    match = _PERCENT.match(label)
    return match is not None and float(match.group(1)) >= 100


def _field_in_graph(graph: str, args: dict[str, object]) -> FieldInGraph:
    requires = args.get("requires")
    provides = args.get("provides")
    label = args.get("overrideLabel")
    override = args.get("override")
    type_ = args.get("type")
    return FieldInGraph(
        graph,
        requires=parse_field_set(requires) if isinstance(requires, str) and requires else None,
        provides=parse_field_set(provides) if isinstance(provides, str) and provides else None,
        external=bool(args.get("external")),
        override=override if isinstance(override, str) else None,
        override_label=label if isinstance(label, str) else None,
        used_overridden=bool(args.get("usedOverridden")),
        type=type_ if isinstance(type_, str) else None,
    )
