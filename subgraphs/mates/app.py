"""ASGI app of the mates subgraph (`python -m subgraphs.mates` serves it alone)."""

from __future__ import annotations

from strawberry.asgi import GraphQL

from subgraphs.mates.schema import schema

app = GraphQL(schema, graphql_ide=None)
