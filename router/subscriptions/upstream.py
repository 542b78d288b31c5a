"""The router as a graphql-transport-ws client of the subgraph that owns a subscription."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator
from typing import Any

import orjson

from router.subscriptions.sockets import SocketClosed, SocketConnector, UpstreamSocket
from router.transports import SUBGRAPH_UNAVAILABLE, GraphQLResponse, SubgraphError

_ID = "1"


async def subscribe(
    service_name: str,
    connector: SocketConnector,
    query: str,
    variables: dict[str, Any] | None,
    operation_name: str | None,
    headers: dict[str, str] | None = None,
    ack_timeout: float = 10.0,
) -> AsyncGenerator[GraphQLResponse, None]:
    """Yields the payload of each ``next`` from the subgraph until it completes.

    Raises ``SubgraphError`` when the subgraph cannot be reached, refuses the
    subscription (``error``) or drops the connection. Closing the iterator
    (``aclose``) sends ``complete`` and closes the socket, which ends the
    subgraph's own subscription.
    """
    try:
        socket = await connector(headers or {})
    except (SocketClosed, TimeoutError) as error:
        raise _unavailable(service_name, f"cannot subscribe: {error}") from error
    completed = False
    try:
        await _handshake(service_name, socket, headers, ack_timeout)
        payload: dict[str, Any] = {"query": query}
        if variables:
            payload["variables"] = variables
        if operation_name:
            payload["operationName"] = operation_name
        await _send(socket, {"id": _ID, "type": "subscribe", "payload": payload})
        while True:
            message = await _next_message(service_name, socket)
            kind = message.get("type")
            if kind == "next" and message.get("id") == _ID:
                yield message.get("payload") or {}
            elif kind == "error" and message.get("id") == _ID:
                completed = True
                yield {"data": None, "errors": _errors(message.get("payload"))}
                return
            elif kind == "complete" and message.get("id") == _ID:
                completed = True
                return
    finally:
        await _close(socket, send_complete=not completed)


async def _handshake(
    service_name: str, socket: UpstreamSocket, headers: dict[str, str] | None, wait_seconds: float
) -> None:
    """connection_init, then wait for connection_ack (answering pings meanwhile)."""
    await _send(socket, {"type": "connection_init", "payload": dict(headers or {})})
    try:
        async with asyncio.timeout(wait_seconds):
            while (await _next_message(service_name, socket)).get("type") != "connection_ack":
                pass
    except TimeoutError:
        raise _unavailable(service_name, "no connection_ack in time") from None


async def _next_message(service_name: str, socket: UpstreamSocket) -> dict[str, Any]:
    """The next protocol message from the subgraph; answers pings itself."""
    while True:
        try:
            text = await socket.receive()
        except SocketClosed as error:
            raise _unavailable(service_name, f"subscription connection lost: {error}") from error
        try:
            message = orjson.loads(text)
        except orjson.JSONDecodeError:
            raise _unavailable(service_name, "sent a message that is not JSON") from None
        if not isinstance(message, dict):
            raise _unavailable(service_name, "sent a message that is not an object")
        if message.get("type") == "ping":
            await _send(socket, {"type": "pong"})
            continue
        return message


async def _send(socket: UpstreamSocket, message: dict[str, Any]) -> None:
    await socket.send(orjson.dumps(message).decode())


async def _close(socket: UpstreamSocket, send_complete: bool) -> None:
    """Says complete (when the client left first) and closes; never raises."""
    with contextlib.suppress(Exception):
        if send_complete:
            await _send(socket, {"id": _ID, "type": "complete"})
    with contextlib.suppress(Exception):
        await socket.close()


def _errors(payload: Any) -> list[dict[str, Any]]:
    """An ``error`` message's payload: a list of GraphQL errors."""
    if isinstance(payload, list) and payload:
        return [e if isinstance(e, dict) else {"message": str(e)} for e in payload]
    return [{"message": "The subgraph rejected the subscription"}]


def _unavailable(service_name: str, message: str) -> SubgraphError:
    return SubgraphError(service_name, SUBGRAPH_UNAVAILABLE, message, "subscription")
