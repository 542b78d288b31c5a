"""Building routers over the test subgraphs (in-process or on uvicorn) for HTTP tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from functools import cache
from typing import Any

import httpx

from router.config import RouterConfig
from router.http.app import RouterApp
from router.http.runtime import build_router
from router.http.subgraph_clients import AsgiTransport
from router.transports import SubgraphTransport
from tests.router.http.subgraphs import SUBGRAPH_APPS, accounts_schema, reviews_schema, sdl_of
from tests.support.federation import SubgraphSource, compose_with_apollo


def in_process_url(name: str) -> str:
    """The placeholder routing URL of an in-process subgraph."""
    return f"http://in-process.{name}/graphql"


@cache
def supergraph_sdl(**urls: str) -> str:
    """The test supergraph, composed by our composer (Apollo's while ours is not in main)."""
    sources = [
        SubgraphSource(
            "accounts", urls.get("accounts", in_process_url("accounts")), sdl_of(accounts_schema)
        ),
        SubgraphSource(
            "reviews", urls.get("reviews", in_process_url("reviews")), sdl_of(reviews_schema)
        ),
    ]
    try:
        from router.composition.compose import compose
        from router.composition.subgraph import SubgraphSchema
    except ImportError:
        return compose_with_apollo(sources)
    return compose([SubgraphSchema(s.name, s.url, s.sdl) for s in sources]).supergraph_sdl


def in_process_transports(apps: Mapping[str, Any] | None = None) -> dict[str, SubgraphTransport]:
    """In-process transports to the test subgraphs (or to ``apps`` standing in for them)."""
    chosen = {**SUBGRAPH_APPS, **(apps or {})}
    return {
        name: AsgiTransport(app, service_name=name, timeout=5.0) for name, app in chosen.items()
    }


def make_router(
    config: RouterConfig | None = None,
    transports: Mapping[str, SubgraphTransport] | None = None,
    sdl: str | None = None,
) -> RouterApp:
    """A router over the test subgraphs, in-process unless ``transports`` say otherwise."""
    return build_router(
        sdl or supergraph_sdl(),
        config or RouterConfig(mode="development"),
        transports if transports is not None else in_process_transports(),
    )


@asynccontextmanager
async def client_for(app: RouterApp) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client calling ``app`` in-process; closes the router afterwards."""
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://router") as client:
            yield client
    finally:
        await app.aclose()
