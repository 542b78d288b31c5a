"""The normalised view of one subgraph that the merge works on."""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import DirectiveNode, TypeNode, ValueNode, print_ast


def type_text(node: TypeNode) -> str:
    """`[User!]!` for a type reference."""
    return print_ast(node)


def named_type(text: str) -> str:
    """`User` for `[User!]!`."""
    return text.replace("[", "").replace("]", "").replace("!", "")


@dataclass
class Applied:
    """A directive application kept for the supergraph (its canonical name and printed args)."""

    name: str
    node: DirectiveNode
    out: str | None = None  # the name in the supergraph when it is not `name`

    def printed(self) -> str:
        """`@tag(name: "x")` under its supergraph name."""
        text = print_ast(self.node)
        local = self.node.name.value
        return "@" + (self.out or self.name) + text[len(local) + 1 :]


@dataclass
class Argument:
    """A field or directive argument."""

    name: str
    type: str
    default: ValueNode | None = None
    description: str | None = None
    directives: list[Applied] = field(default_factory=list)


@dataclass
class Field:
    """A field (object, interface) or an input field (``default`` set for inputs)."""

    name: str
    type: str
    args: dict[str, Argument] = field(default_factory=dict)
    description: str | None = None
    default: ValueNode | None = None
    directives: list[Applied] = field(default_factory=list)
    external: bool = False
    fake_external: bool = False  # @external key field of an extension: not external after all
    shareable: bool = False
    shareable_applied: bool = False  # @shareable on the field itself, not inherited
    requires: str | None = None
    provides: str | None = None
    override: str | None = None
    override_label: str | None = None
    inaccessible: bool = False


@dataclass
class Key:
    """One ``@key``: its field set, whether it is resolvable, whether it came from an extension."""

    fields: str
    resolvable: bool = True
    extension: bool = False


@dataclass
class EnumValue:
    """One enum value."""

    name: str
    description: str | None = None
    directives: list[Applied] = field(default_factory=list)
    inaccessible: bool = False


@dataclass
class TypeDef:
    """A named type in one subgraph, definitions and extensions merged."""

    name: str
    kind: str  # object | interface | union | enum | input | scalar
    description: str | None = None
    fields: dict[str, Field] = field(default_factory=dict)
    interfaces: list[str] = field(default_factory=list)
    members: list[str] = field(default_factory=list)
    values: dict[str, EnumValue] = field(default_factory=dict)
    keys: list[Key] = field(default_factory=list)
    directives: list[Applied] = field(default_factory=list)
    has_definition: bool = False
    extends: bool = False
    shareable: bool = False
    interface_object: bool = False
    inaccessible: bool = False


@dataclass
class DirectiveDef:
    """A custom directive definition (kept when composed or executable)."""

    name: str
    args: dict[str, Argument]
    locations: list[str]
    repeatable: bool
    description: str | None = None


@dataclass
class LinkedSpec:
    """A non-federation ``@link`` of a subgraph (for ``@composeDirective``)."""

    url: str
    imports: dict[str, str]  # name in the spec -> local name (both without '@')


@dataclass
class Subgraph:
    """One subgraph, normalised: federation directives resolved, internals removed."""

    name: str
    url: str
    fed_version: tuple[int, int]
    fed1: bool
    types: dict[str, TypeDef]
    roots: dict[str, str]  # query/mutation/subscription -> type name (always canonical)
    directive_defs: dict[str, DirectiveDef] = field(default_factory=dict)
    used_specs: list[str] = field(default_factory=list)  # canonical directive names in use
    links: list[LinkedSpec] = field(default_factory=list)
    composed: list[str] = field(default_factory=list)  # local names from @composeDirective
    spec_local: dict[str, str] = field(default_factory=dict)  # canonical -> local name used
    provided: set[tuple[str, str]] = field(default_factory=set)  # external fields in @provides
    used_fields: set[tuple[str, str]] = field(default_factory=set)  # in @key/@requires/@provides
