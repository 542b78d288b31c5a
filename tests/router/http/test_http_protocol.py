"""The router's uvicorn protocols: a closed WebSocket leaves nothing for the collector."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from websockets.asyncio.client import connect

from router.http.command import uvicorn_server
from tests.support.collector import collector_off
from tests.support.ports import free_port
from tests.support.waiting import eventually

CONNECTIONS = 20


async def echo_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Lifespan, and a WebSocket that answers each text with the same text."""
    if scope["type"] == "lifespan":
        while (message := await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    assert scope["type"] == "websocket"
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    while (message := await receive())["type"] == "websocket.receive":
        await send({"type": "websocket.send", "text": message["text"]})


@pytest.fixture
async def server_url() -> AsyncIterator[str]:
    port = free_port()
    server = uvicorn_server(echo_app, "127.0.0.1", port)  # type: ignore[arg-type]
    serving = asyncio.create_task(server.serve())
    await eventually(lambda: server.started, seconds=10)
    yield f"ws://127.0.0.1:{port}/"
    server.should_exit = True
    await serving


def live_http_protocols() -> int:
    # type(), not isinstance(): the heap holds weak proxies to dead objects too.
    return sum(issubclass(type(o), HttpToolsProtocol) for o in gc.get_objects())


def live_websocket_objects() -> int:
    """uvicorn's WebSocket protocols and websockets' connection objects still on the heap."""
    modules = ("uvicorn.protocols.websockets", "websockets.server")
    return sum(
        str(type(o).__dict__.get("__module__", "")).startswith(modules) for o in gc.get_objects()
    )


@pytest.mark.parametrize("leftovers", [live_http_protocols, live_websocket_objects])
async def test_closed_websocket_connections_leave_nothing_for_the_collector(
    server_url: str, leftovers: Callable[[], int]
) -> None:
    """Neither the HTTP protocol the upgrade left nor the WebSocket protocol is in a cycle."""
    with collector_off():
        for index in range(CONNECTIONS):
            async with connect(server_url) as socket:
                await socket.send(f"hello {index}")
                assert await socket.recv() == f"hello {index}"
        # Freed by reference counting alone once each connection is closed on both sides.
        await eventually(lambda: leftovers() == 0, seconds=5)
