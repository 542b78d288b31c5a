"""Clients for subscription tests: graphql-transport-ws over an in-process WebSocket."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from httpx_ws import AsyncWebSocketSession, aconnect_ws
from httpx_ws.transport import ASGIWebSocketTransport

from router.http.app import RouterApp
from tests.router.http.subgraphs import PROBE

PROTOCOL = "graphql-transport-ws"
ENDLESS = "subscription { reviewAdded(count: -1, interval: 0.02) { body author { name } } }"


@asynccontextmanager
async def ws_connect(
    app: RouterApp, subprotocols: list[str] | None = None
) -> AsyncIterator[AsyncWebSocketSession]:
    """A WebSocket to the router app at /graphql, in-process."""
    transport = ASGIWebSocketTransport(app)
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://router") as client,
        aconnect_ws(
            "/graphql", client, subprotocols=[PROTOCOL] if subprotocols is None else subprotocols
        ) as ws,
    ):
        yield ws


async def init(ws: AsyncWebSocketSession) -> None:
    """connection_init, then expect connection_ack."""
    await ws.send_json({"type": "connection_init"})
    assert await receive(ws) == {"type": "connection_ack"}


async def receive(ws: AsyncWebSocketSession, wait_seconds: float = 5.0) -> dict[str, Any]:
    """The next message (fails the test rather than hanging)."""
    message: dict[str, Any] = await ws.receive_json(timeout=wait_seconds)
    return message


async def subscribe(
    ws: AsyncWebSocketSession, query: str, operation_id: str = "1", **extra: Any
) -> None:
    """Sends a subscribe message."""
    payload = {"query": query, **extra}
    await ws.send_json({"id": operation_id, "type": "subscribe", "payload": payload})


async def collect(ws: AsyncWebSocketSession, operation_id: str = "1") -> list[dict[str, Any]]:
    """Every message for ``operation_id`` up to and including its complete or error."""
    messages = []
    for _ in range(100):
        message = await receive(ws)
        assert message.get("id") == operation_id, message
        messages.append(message)
        if message["type"] in ("complete", "error"):
            return messages
    raise AssertionError("no complete after 100 messages")


async def wait_until_closed(baseline: int, wait_seconds: float = 5.0) -> None:
    """Waits until the subgraph's open subscription generators are back to ``baseline``."""
    deadline = time.monotonic() + wait_seconds
    while PROBE.open > baseline:
        if time.monotonic() > deadline:
            raise AssertionError(f"{PROBE.open - baseline} subgraph subscription(s) still open")
        await asyncio.sleep(0.02)
