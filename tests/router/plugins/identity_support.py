"""A router over the whoami test app (and optionally more apps) with the identity plugin."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import httpx
import orjson

from router.composition.command import fetch_sdl
from router.composition.compose import compose
from router.composition.subgraph import SubgraphSchema
from router.config import RouterConfig
from router.http.app import RouterApp
from router.http.runtime import build_router
from router.http.subgraph_clients import AsgiTransport
from router.plugins.identity import IdentityEdge, edge_of
from router.transports import SubgraphTransport

WHOAMI = "{ whoami }"


async def compose_apps(apps: Mapping[str, Any]) -> tuple[str, dict[str, SubgraphTransport]]:
    """The supergraph of in-process apps (SDL read as the router does, with its token)."""
    transports: dict[str, SubgraphTransport] = {
        name: AsgiTransport(app, service_name=name) for name, app in apps.items()
    }
    schemas = [
        SubgraphSchema(name, f"http://{name}/graphql", await fetch_sdl(name, transport))
        for name, transport in transports.items()
    ]
    return compose(schemas).supergraph_sdl, transports


@asynccontextmanager
async def identity_router(
    apps: Mapping[str, Any], identity: dict[str, Any] | None = None
) -> AsyncIterator[tuple[RouterApp, IdentityEdge, httpx.AsyncClient]]:
    """A router with the identity plugin (section `identity`) and a client for it."""
    sdl, transports = await compose_apps(apps)
    config = RouterConfig(mode="development", plugins={"identity": identity or {}})
    router = build_router(sdl, config, transports)
    edge = edge_of(router.pipeline)
    assert edge is not None
    try:
        transport = httpx.ASGITransport(app=router)
        async with httpx.AsyncClient(transport=transport, base_url="http://router") as client:
            yield router, edge, client
    finally:
        await edge.aclose()
        await router.aclose()


async def whoami(client: httpx.AsyncClient, token: str | None = None) -> httpx.Response:
    """POSTs `{ whoami }` with the bearer token, if any."""
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return await client.post("/graphql", json={"query": WHOAMI}, headers=headers)


def claims_of(response: httpx.Response) -> dict[str, Any]:
    """The identity claims the whoami subgraph echoed."""
    body = response.json()
    assert "errors" not in body, body
    claims: dict[str, Any] = orjson.loads(body["data"]["whoami"])
    return claims
