"""In-process subgraphs start and stop with the router (ASGI lifespan)."""

from __future__ import annotations

from typing import Any

import pytest

from router.http.lifespan import AppLifespan, SubgraphLifespanError
from tests.router.http.fixtures import client_for, in_process_transports, make_router
from tests.router.http.subgraphs import accounts_app


class LifespanSubgraph:
    """The accounts subgraph behind an app that records its lifespan events."""

    def __init__(self, fail: bool = False) -> None:
        self.events: list[str] = []
        self.fail = fail

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "lifespan":
            await accounts_app(scope, receive, send)
            return
        while True:
            message = await receive()
            self.events.append(message["type"])
            if message["type"] == "lifespan.startup":
                if self.fail:
                    await send({"type": "lifespan.startup.failed", "message": "no database"})
                    return
                await send({"type": "lifespan.startup.complete"})
            else:
                await send({"type": "lifespan.shutdown.complete"})
                return


async def test_in_process_subgraphs_start_and_stop_with_the_router() -> None:
    subgraph = LifespanSubgraph()
    app = make_router(transports=in_process_transports({"accounts": subgraph}))
    router = AppLifespan("router", app)
    await router.startup()
    assert subgraph.events == ["lifespan.startup"]
    async with client_for(app) as client:
        response = await client.post("/graphql", json={"query": "{ me { name } }"})
    assert response.json() == {"data": {"me": {"name": "Ada"}}}
    await router.shutdown()
    assert subgraph.events == ["lifespan.startup", "lifespan.shutdown"]


async def test_a_subgraph_failing_to_start_fails_the_router_startup() -> None:
    app = make_router(transports=in_process_transports({"accounts": LifespanSubgraph(fail=True)}))
    router = AppLifespan("router", app)
    with pytest.raises(SubgraphLifespanError, match="no database"):
        await router.startup()
    await router.shutdown()


async def test_subgraphs_without_lifespan_support_start_fine() -> None:
    app = make_router()  # Strawberry's GraphQL app raises on the lifespan scope
    router = AppLifespan("router", app)
    await router.startup()
    assert router.supported
    await router.shutdown()
