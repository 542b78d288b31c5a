"""Subgraphs and router on uvicorn: HTTP fetches and WebSockets on both hops."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import orjson
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from router.config import RouterConfig
from router.http.runtime import build_router
from tests.router.http.fixtures import supergraph_sdl
from tests.router.http.subgraphs import PROBE, accounts_app, reviews_app
from tests.router.subscriptions.support import ENDLESS, wait_until_closed
from tests.support.servers import UvicornThread


def _networked_router(serve_asgi: Callable[[Any], UvicornThread]) -> UvicornThread:
    """Both subgraphs and the router each on their own uvicorn, calling each other over HTTP."""
    accounts = serve_asgi(accounts_app)
    reviews = serve_asgi(reviews_app)
    sdl = supergraph_sdl(accounts=f"{accounts.url}/graphql", reviews=f"{reviews.url}/graphql")
    return serve_asgi(build_router(sdl, RouterConfig(mode="development")))


async def _send(ws: Any, message: dict[str, Any]) -> None:
    await ws.send(orjson.dumps(message).decode())


async def _receive(ws: Any) -> dict[str, Any]:
    message: dict[str, Any] = orjson.loads(await asyncio.wait_for(ws.recv(), 5))
    return message


async def test_subscription_over_real_websockets_resolves_other_subgraph_fields(
    serve_asgi: Callable[[Any], UvicornThread],
) -> None:
    router = _networked_router(serve_asgi)
    url = router.url.replace("http", "ws") + "/graphql"
    query = "subscription { reviewAdded(count: 2) { body author { name } } }"
    async with connect(url, subprotocols=[Subprotocol("graphql-transport-ws")]) as ws:
        await _send(ws, {"type": "connection_init"})
        assert await _receive(ws) == {"type": "connection_ack"}
        await _send(ws, {"id": "s", "type": "subscribe", "payload": {"query": query}})
        messages = [await _receive(ws) for _ in range(3)]
    assert messages == [
        {"id": "s", "type": "next", "payload": {"data": {"reviewAdded": review}}}
        for review in (
            {"body": "Great", "author": {"name": "Ada"}},
            {"body": "Meh", "author": {"name": "Brian"}},
        )
    ] + [{"id": "s", "type": "complete"}]


async def test_client_disconnect_over_the_network_closes_the_subgraph_subscription(
    serve_asgi: Callable[[Any], UvicornThread],
) -> None:
    router = _networked_router(serve_asgi)
    baseline = PROBE.open
    url = router.url.replace("http", "ws") + "/graphql"
    async with connect(url, subprotocols=[Subprotocol("graphql-transport-ws")]) as ws:
        await _send(ws, {"type": "connection_init"})
        await _receive(ws)
        await _send(ws, {"id": "s", "type": "subscribe", "payload": {"query": ENDLESS}})
        for _ in range(3):
            assert (await _receive(ws))["type"] == "next"
        assert PROBE.open == baseline + 1
    await wait_until_closed(baseline)


async def test_subgraph_going_down_mid_stream_ends_the_client_stream_with_an_error(
    serve_asgi: Callable[[Any], UvicornThread],
) -> None:
    accounts = serve_asgi(accounts_app)
    reviews = serve_asgi(reviews_app)
    sdl = supergraph_sdl(accounts=f"{accounts.url}/graphql", reviews=f"{reviews.url}/graphql")
    router = serve_asgi(build_router(sdl, RouterConfig(mode="development")))
    url = router.url.replace("http", "ws") + "/graphql"
    async with connect(url, subprotocols=[Subprotocol("graphql-transport-ws")]) as ws:
        await _send(ws, {"type": "connection_init"})
        await _receive(ws)
        await _send(ws, {"id": "s", "type": "subscribe", "payload": {"query": ENDLESS}})
        assert (await _receive(ws))["type"] == "next"
        await asyncio.to_thread(reviews.stop)  # uvicorn closes its WebSockets on shutdown
        messages = []
        for _ in range(500):
            message = await _receive(ws)
            messages.append(message)
            if message["type"] == "complete":
                break
    assert messages[-1] == {"id": "s", "type": "complete"}
    error = messages[-2]["payload"]["errors"][0]
    assert error["extensions"]["code"] == "SUBGRAPH_UNAVAILABLE"
    assert error["extensions"]["serviceName"] == "reviews"
