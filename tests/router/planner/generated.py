"""Deterministic operations that select (most of) a supergraph's API, for broad planner checks."""

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
    """A query over ``schema`` picking fields and type conditions at random (seeded)."""
    assert schema.query_type is not None
    return _selection(schema, schema.query_type, depth, random.Random(seed))


def _selection(
    schema: GraphQLSchema, named: GraphQLNamedType, depth: int, rnd: random.Random
) -> str:
    if isinstance(named, GraphQLUnionType):
        inner = " ".join(
            f"... on {m.name} {_selection(schema, m, depth, rnd)}" for m in named.types
        )
        return "{ __typename " + inner + " }"
    assert isinstance(named, GraphQLObjectType | GraphQLInterfaceType)
    parts: list[str] = []
    for name, field in named.fields.items():
        required = [a for a, arg in field.args.items() if isinstance(arg.type, GraphQLNonNull)]
        args = "(" + ",".join(f'{a}: "x"' for a in required) + ")" if required else ""
        child = get_named_type(field.type)
        if isinstance(child, Composite):
            if depth > 0 and rnd.random() >= 0.3:
                parts.append(name + args + " " + _selection(schema, child, depth - 1, rnd))
        elif rnd.random() >= 0.25:
            parts.append(name + args)
    if isinstance(named, GraphQLInterfaceType) and depth > 0:
        for impl in sorted(schema.get_possible_types(named), key=lambda t: t.name):
            if rnd.random() < 0.5:
                parts.append(f"... on {impl.name} {_selection(schema, impl, depth - 1, rnd)}")
    return "{ " + (" ".join(parts) or "__typename") + " }"
