"""A router on uvicorn over the ticker app, and WebSocket and SSE subscribers to it."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from router.config import RouterConfig
from router.http.runtime import build_router
from router.plugins.identity import IdentityEdge, edge_of
from shared.auth import issue_access_token
from shared.identity import CallerKind, Identity, Role
from tests.router.plugins.identity_fixtures.ticker.app import app as ticker_app
from tests.router.plugins.identity_support import compose_apps
from tests.router.plugins.stream_end_probe import PLUGIN as STREAM_END_PROBE
from tests.shared.conftest import ValkeyServer
from tests.support.identity import signing_keys
from tests.support.servers import UvicornThread

TICKS = "subscription { callerTicks }"
DB = 5


def new_user() -> Identity:
    """A signed-in user with ids of their own (revocations stay in Valkey across tests)."""
    user_id = f"u-{uuid.uuid4().hex[:8]}"
    return Identity(
        kind=CallerKind.USER, role=Role.USER, user_id=user_id, session_id=f"s-{uuid.uuid4().hex}"
    )


def token_of(identity: Identity, ttl: timedelta = timedelta(minutes=10)) -> str:
    """An access token for the identity."""
    return issue_access_token(identity, keys=signing_keys(), ttl=ttl)


@dataclass
class ServedRouter:
    """The router's base URL and its identity plugin (to read the stream guard)."""

    url: str
    edge: IdentityEdge


async def serve_ticker_router(
    serve_asgi: Callable[[Any], UvicornThread], valkey: ValkeyServer, **identity: Any
) -> ServedRouter:
    """The router over the ticker app, with the identity plugin and a STREAM_END probe."""
    sdl, transports = await compose_apps({"ticker": ticker_app})
    plugins = {"identity": {"redis_url": valkey.url(DB), **identity}, STREAM_END_PROBE: {}}
    router = build_router(sdl, RouterConfig(mode="development", plugins=plugins), transports)
    edge = edge_of(router.pipeline)
    assert edge is not None
    server = serve_asgi(router)
    return ServedRouter(server.url, edge)


@dataclass
class WsSubscriber:
    """One graphql-transport-ws connection with its token in connection_init."""

    ws: ClientConnection

    async def subscribe(self, operation_id: str = "1", query: str = TICKS) -> None:
        """Sends a subscribe message."""
        message = {"id": operation_id, "type": "subscribe", "payload": {"query": query}}
        await self.ws.send(json.dumps(message))

    async def receive(self, wait_seconds: float = 5.0) -> dict[str, Any]:
        """The next message (fails rather than hangs)."""
        async with asyncio.timeout(wait_seconds):
            message: dict[str, Any] = json.loads(await self.ws.recv())
        return message

    async def tick(self, operation_id: str = "1") -> str:
        """The next tick of an operation (its `next` with data)."""
        message = await self.receive()
        assert message.get("id") == operation_id and message["type"] == "next", message
        value: str = message["payload"]["data"]["callerTicks"]
        return value

    async def until_ended(self, wait_seconds: float = 10.0) -> list[dict[str, Any]]:
        """Messages after the last tick: what ended the operation (ticks are skipped)."""
        deadline = time.monotonic() + wait_seconds
        ending: list[dict[str, Any]] = []
        for _ in range(1_000):
            message = await self.receive(max(0.01, deadline - time.monotonic()))
            if message["type"] == "next" and "errors" not in message["payload"]:
                continue
            ending.append(message)
            if message["type"] in ("complete", "error"):
                return ending
        raise AssertionError(f"not ended: {ending}")


@asynccontextmanager
async def ws_subscriber(url: str, token: str) -> AsyncIterator[WsSubscriber]:
    """A connection to the router, acknowledged, authorised with `token`."""
    ws_url = url.replace("http", "ws") + "/graphql"
    async with connect(ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        subscriber = WsSubscriber(ws)
        init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
        await ws.send(json.dumps(init))
        assert (await subscriber.receive())["type"] == "connection_ack"
        yield subscriber


@dataclass
class SseSubscriber:
    """One graphql-sse stream; its events arrive in `events` as (event, data)."""

    events: asyncio.Queue[tuple[str, Any]] = field(default_factory=asyncio.Queue)

    async def next_event(self, wait_seconds: float = 5.0) -> tuple[str, Any]:
        """The next event (fails rather than hangs)."""
        async with asyncio.timeout(wait_seconds):
            return await self.events.get()

    async def until_ended(self, wait_seconds: float = 10.0) -> list[tuple[str, Any]]:
        """Events after the last tick: what ended the stream (ticks are skipped)."""
        deadline = time.monotonic() + wait_seconds
        ending: list[tuple[str, Any]] = []
        for _ in range(1_000):
            event, data = await self.next_event(max(0.01, deadline - time.monotonic()))
            if event == "next" and "errors" not in data:
                continue
            ending.append((event, data))
            if event == "complete":
                return ending
        raise AssertionError(f"not ended: {ending}")


@asynccontextmanager
async def sse_subscriber(url: str, token: str, query: str = TICKS) -> AsyncIterator[SseSubscriber]:
    """An SSE subscription to the router with `token`, read in a background task."""
    subscriber = SseSubscriber()
    headers = {"accept": "text/event-stream", "authorization": f"Bearer {token}"}

    async def read(client: httpx.AsyncClient) -> None:
        body = {"query": query}
        async with client.stream("POST", "/graphql", json=body, headers=headers) as response:
            assert response.status_code == 200, await response.aread()
            event = ""
            async for line in response.aiter_lines():
                if line.startswith("event:"):
                    event = line.partition(":")[2].strip()
                elif line.startswith("data:") and event:
                    data = line.partition(":")[2].strip()
                    await subscriber.events.put((event, json.loads(data) if data else None))
                    event = ""

    async with httpx.AsyncClient(base_url=url, timeout=30.0) as client:
        reader = asyncio.create_task(read(client))
        try:
            yield subscriber
        finally:
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)


def unauthenticated_reason(errors: list[dict[str, Any]]) -> str:
    """The reason of an UNAUTHENTICATED error list (fails on any other error)."""
    (error,) = errors
    assert error["extensions"]["code"] == "UNAUTHENTICATED", error
    reason: str = error["extensions"]["reason"]
    return reason
