"""Runs one of the demo subgraphs on uvicorn: ``python -m ...subgraphs.<name> --port N``."""

from __future__ import annotations

import argparse
from typing import Any

import strawberry
import uvicorn
from strawberry.asgi import GraphQL


def asgi_app(schema: strawberry.federation.Schema) -> GraphQL[Any, Any]:
    """A Strawberry ASGI app serving ``schema`` at any path (no GraphiQL)."""
    return GraphQL(schema, graphql_ide=None)


def run(app: Any, argv: list[str] | None = None) -> None:
    """Parses ``--host/--port`` and serves ``app`` on uvicorn until interrupted."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    # A keep-alive longer than any gateway pool keeps idle connections: otherwise uvicorn
    # closes them after 5 s and a gateway reusing one at that moment sees ECONNRESET.
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level="warning",
        access_log=False,
        timeout_keep_alive=120,
    )
