"""A router with plugins.auth over the auth test subgraphs, recording every subgraph call."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from router.config import RouterConfig
from router.http.runtime import build_router
from router.http.subgraph_clients import AsgiTransport
from router.subscriptions.sockets import AsgiConnector
from router.transports import GraphQLResponse, SubgraphTransport
from tests.router.plugins.auth_identity import HEADER
from tests.router.plugins.auth_identity import PLUGIN as IDENTITY_PLUGIN
from tests.router.plugins.auth_subgraphs import app_of, auth_supergraph


@dataclass
class Call:
    """One subgraph request."""

    subgraph: str
    query: str
    variables: dict[str, Any] | None


class RecordingTransport:
    """Passes requests on and remembers each one."""

    def __init__(self, name: str, inner: SubgraphTransport, calls: list[Call]) -> None:
        self.name = name
        self.inner = inner
        self.calls = calls
        self.app = getattr(inner, "app", None)
        self.url = getattr(inner, "url", "")

    async def execute(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        operation_name: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> GraphQLResponse:
        """Records the call, then makes it."""
        self.calls.append(Call(self.name, query, variables))
        return await self.inner.execute(query, variables, operation_name, headers)

    async def aclose(self) -> None:
        """Closes the wrapped transport."""
        await self.inner.aclose()


def recording_transports(
    apps: Mapping[str, Any], calls: list[Call]
) -> dict[str, SubgraphTransport]:
    """In-process transports to `apps` that record into `calls`."""
    return {
        name: RecordingTransport(name, AsgiTransport(app, service_name=name, timeout=5.0), calls)
        for name, app in apps.items()
    }


@dataclass
class AuthClient:
    """Posts operations as a given caller; `calls` lists the subgraph requests made."""

    client: httpx.AsyncClient
    calls: list[Call] = field(default_factory=list)

    async def run(
        self, query: str, who: str = "", variables: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """The response body of `query` run as `who` (see auth_identity)."""
        body: dict[str, Any] = {"query": query}
        if variables is not None:
            body["variables"] = variables
        response = await self.client.post("/graphql", json=body, headers={HEADER: who})
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result


@asynccontextmanager
async def auth_router(
    settings: dict[str, Any] | None = None,
    sdl: str | None = None,
    apps: Mapping[str, Any] | None = None,
    extra_plugins: Mapping[str, dict[str, Any]] | None = None,
) -> AsyncIterator[AuthClient]:
    """The router with the test identity plugin and plugins.auth (`settings`)."""
    calls: list[Call] = []
    chosen = apps if apps is not None else {n: app_of(n) for n in ("accounts", "reviews")}
    # The real identity plugin stays off: the stand-in names the caller from a test header.
    plugins = {
        "identity": {"enabled": False},
        IDENTITY_PLUGIN: {},
        **(extra_plugins or {}),
        "auth": settings or {},
    }
    config = RouterConfig(mode="development", plugins=plugins)
    # Subscriptions open in-process sockets straight to the apps (not recorded).
    connectors = {name: AsgiConnector(app, "/graphql", 5.0) for name, app in chosen.items()}
    transports = recording_transports(chosen, calls)
    app = build_router(sdl or auth_supergraph(), config, transports, connectors)
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://router") as client:
            yield AuthClient(client, calls)
    finally:
        await app.aclose()
