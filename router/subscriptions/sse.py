"""graphql-sse, distinct connections mode: one HTTP response streams one operation.

https://github.com/enisdenjo/graphql-sse/blob/master/PROTOCOL.md: each result is
``event: next`` with the JSON payload as ``data``, the end is ``event: complete``.
Request errors (parse, validation) are answered before the stream starts, as a
plain JSON response with status 400. A client disconnect cancels the stream,
which closes the subgraph subscription. A plugin may end the stream the same way
(router.subscriptions.ending: its caller was revoked or its token expired); the errors
then go out as a last ``event: next`` before ``event: complete``, as when a subgraph fails.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

import orjson

from router.pipeline import RequestContext
from router.subscriptions.ending import ended_by_server, ender_of
from router.subscriptions.stream import SubscriptionEngine

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
SubscriptionObserver = Callable[[str, str], None]

_HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-cache"),
    (b"connection", b"keep-alive"),
    (b"x-accel-buffering", b"no"),  # proxies must not buffer the stream
]
_COMPLETE = b"event: complete\ndata:\n\n"
_KEEPALIVE = b":\n\n"


async def stream_sse(
    engine: SubscriptionEngine,
    ctx: RequestContext,
    receive: Receive,
    send: Send,
    keepalive_seconds: float,
    observe: SubscriptionObserver | None = None,
) -> None:
    """Streams the prepared request of ``ctx`` until it completes or the client leaves."""
    await send({"type": "http.response.start", "status": 200, "headers": _HEADERS})
    producer = asyncio.create_task(_produce(engine, ctx, send, keepalive_seconds))
    watcher = asyncio.create_task(_wait_for_disconnect(receive))
    done, _ = await asyncio.wait({producer, watcher}, return_when=asyncio.FIRST_COMPLETED)
    outcome = "complete"
    if producer not in done:
        outcome = "cancelled"
        producer.cancel()
    watcher.cancel()
    for task in (producer, watcher):
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
    if producer in done and producer.exception() is None and producer.result():
        outcome = "error"
    if observe is not None:
        observe(ctx.operation_name, outcome)
    with contextlib.suppress(Exception):
        await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _produce(
    engine: SubscriptionEngine, ctx: RequestContext, send: Send, keepalive_seconds: float
) -> bool:
    """Sends every payload then ``complete``; True when the stream ended with an error."""
    failed = False
    lock = asyncio.Lock()

    async def write(body: bytes) -> None:
        async with lock:
            await send({"type": "http.response.body", "body": body, "more_body": True})

    keepalive = asyncio.create_task(_keep_alive(write, keepalive_seconds))
    ender = ender_of(ctx)
    stream = engine.stream(ctx)
    try:
        task = asyncio.current_task()
        if ender is not None and task is not None:
            ender.attach(task)  # from here on the stream can be ended from outside
        async for payload in stream:
            failed = bool(payload.get("errors")) and payload.get("data") is None
            await write(_event(payload))
        await write(_COMPLETE)
    except asyncio.CancelledError:
        errors = ended_by_server(ender)
        if errors is None:
            raise  # the client left
        keepalive.cancel()
        await stream.aclose()  # the normal clean-up first, as on a disconnect
        await write(_event({"errors": errors}) + _COMPLETE)
        failed = True
    finally:
        keepalive.cancel()
        await stream.aclose()
    return failed


def _event(payload: dict[str, Any]) -> bytes:
    return b"event: next\ndata: " + orjson.dumps(payload) + b"\n\n"


async def _keep_alive(write: Callable[[bytes], Awaitable[None]], seconds: float) -> None:
    """Idle streams get a comment now and then so proxies and browsers keep them open."""
    while True:
        await asyncio.sleep(seconds)
        await write(_KEEPALIVE)


async def _wait_for_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
