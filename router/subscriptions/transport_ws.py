"""The graphql-transport-ws protocol, server side (clients such as GraphiQL's graphql-ws).

https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md: ``connection_init``
within the init timeout (else 4408), one init only (4429), ``subscribe`` only after
the ack (4401), unique ids (4409), ``ping``/``pong``, ``next``/``error``/``complete``,
and 4400 for anything malformed. Each operation runs in its own task; ``complete``
from the client or a disconnect cancels it, which closes its subgraph subscription.
A plugin may end an operation the same way (router.subscriptions.ending: its caller was
revoked or its token expired); the client then gets the errors as a last ``next``
payload and ``complete``, as when a subgraph fails mid-stream.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

import orjson

from router.pipeline import GraphQLRequest, RequestContext, RequestError
from router.subscriptions.ending import ENDER, StreamEnder, ended_by_server
from router.subscriptions.stream import SubscriptionEngine
from router.transports import GraphQLResponse

PROTOCOL = "graphql-transport-ws"
_INTERNAL = "INTERNAL_SERVER_ERROR"

Receive = Callable[[], Any]
Send = Callable[[dict[str, Any]], Any]
SubscriptionObserver = Callable[[str, str], None]


class _Close(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class _ClientGone(Exception):
    """Sending failed: the client has left (nothing more can reach it)."""


class TransportWsSession:
    """One client WebSocket connection speaking graphql-transport-ws."""

    def __init__(
        self,
        engine: SubscriptionEngine,
        scope: dict[str, Any],
        receive: Receive,
        send: Send,
        init_timeout: float,
        observe: SubscriptionObserver | None = None,
        max_operations: int = 100,
    ) -> None:
        self.engine = engine
        self.scope = scope
        self._receive = receive
        self._send = send
        self._init_timeout = init_timeout
        self._max_operations = max_operations
        self._observe = observe
        self._acknowledged = False
        self._init_received = False
        self._connection_params: dict[str, Any] = {}
        self._operations: dict[str, asyncio.Task[None]] = {}
        self._send_lock = asyncio.Lock()
        self._closed = False
        # A timer, not a sleeping task: a cancelled task keeps its CancelledError, traceback
        # and frames in a reference cycle, garbage for the collector at every connection.
        self._init_timer: asyncio.TimerHandle | None = None
        self._init_closing: asyncio.Task[None] | None = None  # kept: the loop holds tasks weakly

    async def run(self) -> None:
        """Accepts (when the client speaks the protocol) and serves until either side closes."""
        message = await self._receive()
        if message["type"] != "websocket.connect":
            return
        if PROTOCOL not in self.scope.get("subprotocols", ()):
            await self._send({"type": "websocket.close", "code": 4406, "reason": "Subprotocol"})
            return
        await self._send({"type": "websocket.accept", "subprotocol": PROTOCOL})
        loop = asyncio.get_running_loop()
        self._init_timer = loop.call_later(self._init_timeout, self._init_deadline)
        try:
            await self._serve()
        except _Close as close:
            await self._close(close.code, close.reason)
        except _ClientGone:
            pass  # an acknowledgement or pong found the client gone: the session ends
        finally:
            self._init_timer.cancel()
            await self._cancel_all()

    async def _serve(self) -> None:
        while True:
            message = await self._receive()
            if message["type"] == "websocket.disconnect":
                self._closed = True
                return
            text = message.get("text")
            if text is None and message.get("bytes") is not None:
                text = message["bytes"].decode(errors="replace")
            await self._handle(_decode(text or ""))

    async def _handle(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "connection_init":
            await self._connection_init(message)
        elif kind == "ping":
            pong = {
                "type": "pong",
                **({"payload": message["payload"]} if "payload" in message else {}),
            }
            await self._emit(pong)
        elif kind == "pong":
            return
        elif kind == "subscribe":
            await self._subscribe(message)
        elif kind == "complete":
            task = self._operations.pop(_message_id(message), None)
            if task is not None:
                task.cancel()
        else:
            raise _Close(4400, f"Invalid message type '{kind}'")

    async def _connection_init(self, message: dict[str, Any]) -> None:
        if self._init_received:
            raise _Close(4429, "Too many initialisation requests")
        self._init_received = True
        if self._init_timer is not None:
            self._init_timer.cancel()  # its work is done: not a timer kept per connection
        payload = message.get("payload")
        if payload is not None and not isinstance(payload, dict):
            raise _Close(4400, "connection_init payload must be an object")
        self._connection_params = payload or {}
        self._acknowledged = True
        await self._emit({"type": "connection_ack"})

    async def _subscribe(self, message: dict[str, Any]) -> None:
        if not self._acknowledged:
            raise _Close(4401, "Unauthorized")
        operation_id = _message_id(message)
        if operation_id in self._operations:
            raise _Close(4409, f"Subscriber for {operation_id} already exists")
        request = _request_of(message.get("payload"))
        if len(self._operations) >= self._max_operations:
            # Each operation holds a subgraph subscription: one socket must not hold many.
            error = {"message": f"At most {self._max_operations} operations per connection"}
            await self._emit({"id": operation_id, "type": "error", "payload": [error]})
            return
        task = asyncio.create_task(self._run_operation(operation_id, request))
        self._operations[operation_id] = task

    async def _run_operation(self, operation_id: str, request: GraphQLRequest) -> None:
        client = self.scope.get("client")
        ctx = RequestContext(
            request,
            method="POST",
            headers=_headers(self.scope),
            client_ip=client[0] if client else None,
        )
        ctx.state["connection_params"] = self._connection_params
        ender = ctx.state[ENDER] = StreamEnder()
        outcome = "complete"
        last: GraphQLResponse | None = None
        try:
            await self.engine.prepare(ctx)
            outcome = await self._stream(operation_id, ctx, ender)
        except RequestError as error:
            outcome = "error"
            with contextlib.suppress(_ClientGone):
                await self._emit({"id": operation_id, "type": "error", "payload": error.errors})
            return
        except asyncio.CancelledError:
            errors = ended_by_server(ender)
            if errors is None:
                outcome = "cancelled"
                raise
            outcome = "error"  # a plugin ended it (revoked caller): told below, then complete
            last = {"errors": errors}
        except _ClientGone:
            outcome = "cancelled"  # the client left mid-stream: nobody to tell
            return
        except Exception:  # a router bug ends this operation, not the connection
            outcome = "error"
            internal = [{"message": "Internal server error.", "extensions": {"code": _INTERNAL}}]
            with contextlib.suppress(_ClientGone):
                await self._emit({"id": operation_id, "type": "error", "payload": internal})
            return
        finally:
            self._operations.pop(operation_id, None)
            ender.finish()
            if self._observe is not None:
                self._observe(ctx.operation_name, outcome)
        with contextlib.suppress(_ClientGone):
            if last is not None:
                await self._emit({"id": operation_id, "type": "next", "payload": last})
            await self._emit({"id": operation_id, "type": "complete"})

    async def _stream(self, operation_id: str, ctx: RequestContext, ender: StreamEnder) -> str:
        """Sends every payload of a prepared operation; its outcome ('complete' or 'error')."""
        outcome = "complete"
        stream = self.engine.stream(ctx)
        try:
            task = asyncio.current_task()
            assert task is not None
            ender.attach(task)  # from here on the operation can be ended from outside
            async for payload in stream:
                await self._emit({"id": operation_id, "type": "next", "payload": payload})
                if payload.get("errors") and payload.get("data") is None:
                    outcome = "error"
        finally:
            # Closed here, not when collected: a cancel landing in a send still runs the
            # subscription's clean-up (subgraph closed, STREAM_END) before anything else.
            await stream.aclose()
        return outcome

    def _init_deadline(self) -> None:
        if not self._init_received and not self._closed:
            self._init_closing = asyncio.create_task(
                self._close(4408, "Connection initialisation timeout")
            )

    async def _emit(self, message: dict[str, Any]) -> None:
        if self._closed:
            return
        async with self._send_lock:
            try:
                await self._send({"type": "websocket.send", "text": orjson.dumps(message).decode()})
            except Exception as error:  # the server's "client disconnected" (uvicorn, OSError)
                self._closed = True
                raise _ClientGone from error

    async def _close(self, code: int, reason: str) -> None:
        if self._closed:
            return
        self._closed = True
        await self._cancel_all()
        with contextlib.suppress(Exception):
            await self._send({"type": "websocket.close", "code": code, "reason": reason})

    async def _cancel_all(self) -> None:
        tasks = list(self._operations.values())
        self._operations.clear()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


def _decode(text: str) -> dict[str, Any]:
    try:
        message = orjson.loads(text)
    except orjson.JSONDecodeError:
        raise _Close(4400, "Invalid message received") from None
    if not isinstance(message, dict):
        raise _Close(4400, "Invalid message received")
    return message


def _message_id(message: dict[str, Any]) -> str:
    operation_id = message.get("id")
    if not isinstance(operation_id, str) or not operation_id:
        raise _Close(4400, "Invalid message received: missing id")
    return operation_id


def _request_of(payload: Any) -> GraphQLRequest:
    if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
        raise _Close(4400, "Invalid message received: subscribe needs a query")
    variables = payload.get("variables")
    extensions = payload.get("extensions")
    operation_name = payload.get("operationName")
    if variables is not None and not isinstance(variables, dict):
        raise _Close(4400, "Invalid message received: variables must be an object")
    if extensions is not None and not isinstance(extensions, dict):
        raise _Close(4400, "Invalid message received: extensions must be an object")
    if operation_name is not None and not isinstance(operation_name, str):
        raise _Close(4400, "Invalid message received: operationName must be a string")
    return GraphQLRequest(payload["query"], operation_name, variables, extensions)


def _headers(scope: dict[str, Any]) -> dict[str, str]:
    return {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", ())}
