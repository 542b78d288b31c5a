"""The merged supergraph, as printed: elements with their applied directives in order."""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import StringValueNode, ValueNode, print_ast


@dataclass
class SArg:
    """A merged argument."""

    name: str
    type: str
    default: ValueNode | None = None
    description: str | None = None
    directives: list[str] = field(default_factory=list)


@dataclass
class SField:
    """A merged field or input field."""

    name: str
    type: str = ""
    args: dict[str, SArg] = field(default_factory=dict)
    description: str | None = None
    default: ValueNode | None = None
    directives: list[str] = field(default_factory=list)


@dataclass
class SEnumValue:
    """A merged enum value."""

    name: str
    description: str | None = None
    directives: list[str] = field(default_factory=list)


@dataclass
class SType:
    """A merged named type."""

    name: str
    kind: str
    description: str | None = None
    fields: dict[str, SField] = field(default_factory=dict)
    interfaces: list[str] = field(default_factory=list)
    members: list[str] = field(default_factory=list)
    values: dict[str, SEnumValue] = field(default_factory=dict)
    directives: list[str] = field(default_factory=list)


def gql_string(value: str) -> str:
    """A GraphQL string literal."""
    return print_ast(StringValueNode(value=value))


def directive(name: str, **args: str | bool | None) -> str:
    """`@name(a: 1, b: "x")` from already-printed argument values; None args are skipped."""
    parts = []
    for key, value in args.items():
        if value is None:
            continue
        text = ("true" if value else "false") if isinstance(value, bool) else value
        parts.append(f"{key}: {text}")
    return f"@{name}({', '.join(parts)})" if parts else f"@{name}"
