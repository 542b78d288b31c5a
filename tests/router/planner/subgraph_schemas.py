"""Builds each fixture subgraph's schema as its server would expose it (with ``_entities``)."""

from __future__ import annotations

from functools import cache

from graphql import (
    GraphQLSchema,
    ObjectTypeDefinitionNode,
    build_ast_schema,
    parse,
)

from tests.router.planner.support import SUPERGRAPHS

_FEDERATION = """
scalar _Any
scalar FieldSet
directive @link(url: String!, import: [String]) repeatable on SCHEMA
directive @key(fields: FieldSet!, resolvable: Boolean = true) repeatable on OBJECT | INTERFACE
directive @requires(fields: FieldSet!) on FIELD_DEFINITION
directive @provides(fields: FieldSet!) on FIELD_DEFINITION
directive @external on OBJECT | FIELD_DEFINITION
directive @shareable repeatable on OBJECT | FIELD_DEFINITION
directive @override(from: String!, label: String) on FIELD_DEFINITION
directive @inaccessible on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ENUM | SCALAR
directive @interfaceObject on OBJECT
"""


@cache
def subgraph_schema(supergraph: str, subgraph: str) -> GraphQLSchema:
    """The schema of ``supergraphs/<supergraph>/<subgraph>.graphql`` plus ``_entities``."""
    sdl = (SUPERGRAPHS / supergraph / f"{subgraph}.graphql").read_text()
    document = parse(sdl)
    entities = [
        d.name.value
        for d in document.definitions
        if isinstance(d, ObjectTypeDefinitionNode)
        and any(x.name.value == "key" for x in d.directives or ())
    ]
    has_query = any(
        isinstance(d, ObjectTypeDefinitionNode) and d.name.value == "Query"
        for d in document.definitions
    )
    extra = _FEDERATION + f"union _Entity = {' | '.join(entities)}\n"
    keyword = "extend type" if has_query else "type"
    extra += f"{keyword} Query {{ _entities(representations: [_Any!]!): [_Entity]! }}\n"
    return build_ast_schema(parse(sdl + extra), assume_valid_sdl=True)
