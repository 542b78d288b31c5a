"""Deterministic operations that select (most of) a supergraph's API, for broad planner checks.

Fields are picked at random (seeded), some aliased, some under ``@skip``/``@include`` or in
condition fragments, with type conditions on abstract types.
"""

from __future__ import annotations

import random

from graphql import (
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    get_named_type,
)

Composite = GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType


def random_query(schema: GraphQLSchema, seed: int, depth: int = 3) -> str:
    """A query over ``schema`` (with Boolean! variables ``$s`` and ``$i`` when used)."""
    assert schema.query_type is not None
    body = _Generator(schema, random.Random(seed)).selection(schema.query_type, depth)
    variables = [f"${v}: Boolean!" for v in ("s", "i") if f"${v})" in body]
    return "query Generated" + (f"({', '.join(variables)})" if variables else "") + " " + body


class _Generator:
    def __init__(self, schema: GraphQLSchema, rnd: random.Random) -> None:
        self.schema = schema
        self.rnd = rnd
        self.aliases = 0

    def selection(self, named: GraphQLNamedType, depth: int) -> str:
        if isinstance(named, GraphQLUnionType):
            inner = " ".join(f"... on {m.name} {self.selection(m, depth)}" for m in named.types)
            return "{ __typename " + inner + " }"
        assert isinstance(named, GraphQLObjectType | GraphQLInterfaceType)
        parts = [p for name in named.fields if (p := self.field(named, name, depth))]
        if isinstance(named, GraphQLInterfaceType) and depth > 0:
            for impl in sorted(self.schema.get_possible_types(named), key=lambda t: t.name):
                if self.rnd.random() < 0.5:
                    parts.append(f"... on {impl.name} {self.selection(impl, depth - 1)}")
        if self.rnd.random() < 0.2:
            parts.append("__typename")
        if len(parts) > 1 and self.rnd.random() < 0.2:
            parts = [*parts[:-2], "... @include(if: $i) { " + " ".join(parts[-2:]) + " }"]
        return "{ " + (" ".join(parts) or "__typename") + " }"

    def field(self, parent: GraphQLObjectType | GraphQLInterfaceType, name: str, depth: int) -> str:
        definition = parent.fields[name]
        required = [a for a, arg in definition.args.items() if isinstance(arg.type, GraphQLNonNull)]
        text = name + ("(" + ",".join(f'{a}: "x"' for a in required) + ")" if required else "")
        child = get_named_type(definition.type)
        if isinstance(child, Composite):
            if depth <= 0 or self.rnd.random() < 0.3:
                return ""
            text += " " + self.selection(child, depth - 1)
        elif self.rnd.random() < 0.25:
            return ""
        if self.rnd.random() < 0.15:
            self.aliases += 1
            text = f"a{self.aliases}: {text}"
        if self.rnd.random() < 0.1:
            head, _, rest = text.partition(" {")
            text = head + " @skip(if: $s)" + (" {" + rest if rest else "")
        return text
