"""graphql-transport-ws clients through the router, subgraphs in-process."""

from __future__ import annotations

import asyncio
import gc
import json
import traceback
from typing import Any

import pytest
from httpx_ws import WebSocketDisconnect

from router.config import RouterConfig, SubscriptionSettings
from router.http.subgraph_clients import HttpTransport
from tests.router.http.fixtures import in_process_transports, make_router
from tests.router.http.subgraphs import PROBE, reviews_app
from tests.router.subscriptions.support import (
    ENDLESS,
    collect,
    init,
    receive,
    subscribe,
    wait_until_closed,
    ws_connect,
)
from tests.support.collector import collector_off
from tests.support.ports import free_port

REVIEWS = "subscription { reviewAdded(count: 3) { body author { name } } }"


async def test_each_event_gets_fields_from_another_subgraph() -> None:
    async with ws_connect(make_router()) as ws:
        await init(ws)
        await subscribe(ws, REVIEWS)
        messages = await collect(ws)
    assert messages == [
        {"id": "1", "type": "next", "payload": {"data": {"reviewAdded": review}}}
        for review in (
            {"body": "Great", "author": {"name": "Ada"}},
            {"body": "Meh", "author": {"name": "Brian"}},
            {"body": "Fine", "author": {"name": "Ada"}},
        )
    ] + [{"id": "1", "type": "complete"}]


async def test_variables_reach_the_subgraph_subscription() -> None:
    query = "subscription S($n: Int!) { reviewAdded(count: $n) { body } }"
    async with ws_connect(make_router()) as ws:
        await init(ws)
        await subscribe(ws, query, variables={"n": 1}, operationName="S")
        messages = await collect(ws)
    assert [m["type"] for m in messages] == ["next", "complete"]


async def test_queries_run_over_the_socket_too() -> None:
    async with ws_connect(make_router()) as ws:
        await init(ws)
        await subscribe(ws, "{ me { name reviews { body } } }")
        messages = await collect(ws)
    expected = {"me": {"name": "Ada", "reviews": [{"body": "Great"}, {"body": "Fine"}]}}
    assert messages == [
        {"id": "1", "type": "next", "payload": {"data": expected}},
        {"id": "1", "type": "complete"},
    ]


async def test_ping_is_answered_with_pong() -> None:
    async with ws_connect(make_router()) as ws:
        await init(ws)
        await ws.send_json({"type": "ping", "payload": {"at": 1}})
        assert await receive(ws) == {"type": "pong", "payload": {"at": 1}}


async def test_invalid_operation_gets_an_error_message() -> None:
    async with ws_connect(make_router()) as ws:
        await init(ws)
        await subscribe(ws, "subscription { reviewAdded { nope } }")
        messages = await collect(ws)
    assert len(messages) == 1
    assert messages[0]["type"] == "error"
    assert 'Cannot query field "nope"' in messages[0]["payload"][0]["message"]


async def _close_code(messages: list[dict[str, Any]], config: RouterConfig | None = None) -> int:
    """Sends ``messages`` and returns the close code the router answers with."""
    async with ws_connect(make_router(config)) as ws:
        for message in messages:
            await ws.send_json(message)
        with pytest.raises(WebSocketDisconnect) as closed:
            for _ in range(10):
                await receive(ws)
    return closed.value.code


async def test_subscribe_before_connection_init_closes_4401() -> None:
    subscribe_message = {"id": "1", "type": "subscribe", "payload": {"query": REVIEWS}}
    assert await _close_code([subscribe_message]) == 4401


async def test_second_connection_init_closes_4429() -> None:
    assert await _close_code([{"type": "connection_init"}, {"type": "connection_init"}]) == 4429


async def test_invalid_message_closes_4400() -> None:
    assert await _close_code([{"type": "connection_init"}, {"type": "what"}]) == 4400


async def test_missing_connection_init_closes_4408_after_the_timeout() -> None:
    config = RouterConfig(subscriptions=SubscriptionSettings(init_timeout_seconds=0.1))
    assert await _close_code([], config) == 4408


async def test_the_initialisation_timer_leaves_no_garbage_cycle() -> None:
    """Cancelled at the acknowledgement, the timer leaves nothing for the collector (a
    sleeping task did: its CancelledError, traceback and frames in a cycle per connection)."""

    def cancelled_here() -> int:
        return sum(
            isinstance(found, asyncio.CancelledError)
            and "transport_ws.py" in "".join(traceback.format_tb(found.__traceback__))
            for found in gc.get_objects()
        )

    config = RouterConfig(subscriptions=SubscriptionSettings(init_timeout_seconds=60))
    with collector_off():
        for _ in range(5):
            async with ws_connect(make_router(config)) as ws:
                await init(ws)
                await subscribe(ws, REVIEWS)
                assert len(await collect(ws)) == 4  # three events and complete
        assert cancelled_here() == 0


async def test_duplicate_operation_id_closes_4409_and_ends_the_first() -> None:
    baseline = PROBE.open
    subscribe_message = {"id": "a", "type": "subscribe", "payload": {"query": ENDLESS}}
    async with ws_connect(make_router()) as ws:
        await init(ws)
        await ws.send_json(subscribe_message)
        assert (await receive(ws))["type"] == "next"
        await ws.send_json(subscribe_message)
        with pytest.raises(WebSocketDisconnect) as closed:
            for _ in range(100):
                await receive(ws)
    assert closed.value.code == 4409
    await wait_until_closed(baseline)


async def test_other_subprotocols_are_refused() -> None:
    with pytest.raises(Exception):  # noqa: B017 - httpx-ws raises on a refused handshake
        async with ws_connect(make_router(), subprotocols=["graphql-ws"]) as ws:
            await receive(ws, wait_seconds=1.0)


async def test_client_complete_closes_the_subgraph_subscription() -> None:
    baseline = PROBE.open
    async with ws_connect(make_router()) as ws:
        await init(ws)
        await subscribe(ws, ENDLESS)
        for _ in range(2):
            assert (await receive(ws))["type"] == "next"
        assert PROBE.open == baseline + 1
        await ws.send_json({"id": "1", "type": "complete"})
        await wait_until_closed(baseline)
        await ws.send_json({"type": "ping"})
        # The connection stays usable; late events of the completed operation may still arrive.
        for _ in range(20):
            if (await receive(ws))["type"] == "pong":
                break


async def test_client_disconnect_closes_the_subgraph_subscription() -> None:
    baseline = PROBE.open
    async with ws_connect(make_router()) as ws:
        await init(ws)
        await subscribe(ws, ENDLESS, operation_id="x")
        await subscribe(ws, ENDLESS, operation_id="y")
        seen = {(await receive(ws))["id"] for _ in range(6)}
        assert seen == {"x", "y"}
    await wait_until_closed(baseline)


async def test_subgraph_resolver_error_is_delivered_and_the_stream_completes() -> None:
    query = "subscription { reviewThenFailure { body author { name } } }"
    async with ws_connect(make_router()) as ws:
        await init(ws)
        await subscribe(ws, query)
        messages = await collect(ws)
    first, second, last = messages
    assert first["payload"] == {
        "data": {"reviewThenFailure": {"body": "Great", "author": {"name": "Ada"}}}
    }
    assert second["type"] == "next"
    assert second["payload"]["errors"][0]["message"] == "review feed broke"
    assert last == {"id": "1", "type": "complete"}


def _dropping_after(app: Any, sends: int) -> Any:
    """An ASGI app whose WebSocket drops (close 1011) after ``sends`` messages."""

    async def dropping(scope: dict[str, Any], receive: Any, send: Any) -> None:
        count = 0

        async def counting_send(message: dict[str, Any]) -> None:
            nonlocal count
            if message["type"] == "websocket.send":
                count += 1
                if count == sends + 1:
                    await send({"type": "websocket.close", "code": 1011, "reason": "crashed"})
                if count > sends:
                    return
            await send(message)

        await app(scope, receive, counting_send)

    return dropping


async def test_subgraph_dropping_the_connection_ends_the_client_stream_with_an_error() -> None:
    # connection_ack, then two events, then the subgraph dies.
    baseline = PROBE.open
    transports = in_process_transports({"reviews": _dropping_after(reviews_app, 3)})
    async with ws_connect(make_router(transports=transports)) as ws:
        await init(ws)
        await subscribe(ws, ENDLESS)
        messages = await asyncio.wait_for(collect(ws), 10)
    assert [m["type"] for m in messages] == ["next", "next", "next", "complete"]
    error = messages[2]["payload"]["errors"][0]
    assert error["extensions"]["code"] == "SUBGRAPH_UNAVAILABLE"
    assert error["extensions"]["serviceName"] == "reviews"
    await wait_until_closed(baseline)


async def test_unreachable_subgraph_ends_the_client_stream_with_an_error() -> None:
    transports = in_process_transports()
    url = f"http://127.0.0.1:{free_port()}/graphql"
    transports["reviews"] = HttpTransport(url, timeout=1.0, service_name="reviews")
    async with ws_connect(make_router(transports=transports)) as ws:
        await init(ws)
        await subscribe(ws, REVIEWS)
        messages = await asyncio.wait_for(collect(ws), 10)
    assert [m["type"] for m in messages] == ["next", "complete"]
    assert messages[0]["payload"]["errors"][0]["extensions"]["code"] == "SUBGRAPH_UNAVAILABLE"


class CountingPlanner:
    """Counts plan calls on the way to the real planner."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls = 0

    def plan(self, document: Any, operation_name: str | None) -> Any:
        self.calls += 1
        return self.inner.plan(document, operation_name)


async def test_the_plan_is_made_once_per_subscription_not_per_event() -> None:
    app = make_router()
    planner = CountingPlanner(app.pipeline.planner)
    app.pipeline.planner = planner
    async with ws_connect(app) as ws:
        await init(ws)
        await subscribe(ws, "subscription { reviewAdded(count: 5) { body author { name } } }")
        messages = await collect(ws)
    assert [m["type"] for m in messages] == ["next"] * 5 + ["complete"]
    assert planner.calls == 1


async def test_operations_per_connection_are_limited() -> None:
    baseline = PROBE.open
    config = RouterConfig(mode="development")
    config.subscriptions.max_operations_per_connection = 2
    async with ws_connect(make_router(config)) as ws:
        await init(ws)
        for operation_id in ("a", "b", "c"):
            await subscribe(ws, ENDLESS, operation_id=operation_id)
        for _ in range(30):
            message = await receive(ws)
            if message["id"] == "c":
                break
        assert message["type"] == "error"
        assert message["payload"][0]["message"] == "At most 2 operations per connection"
    await wait_until_closed(baseline)


async def test_a_client_gone_mid_stream_ends_its_operation_quietly() -> None:
    """Sending to a client that left ends the operation: no error message is attempted
    to it, no task error is left unretrieved, and the subgraph subscription closes."""
    baseline = PROBE.open
    gone = asyncio.Event()
    inbox: list[dict[str, Any]] = [
        {"type": "websocket.connect"},
        {"type": "websocket.receive", "text": '{"type": "connection_init"}'},
        {"type": "websocket.receive", "text": json.dumps(_subscribe_message(ENDLESS))},
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if inbox:
            return inbox.pop(0)
        await gone.wait()
        return {"type": "websocket.disconnect", "code": 1006}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "websocket.send" and '"next"' in message["text"]:
            gone.set()
            raise OSError("the client has gone")  # what a server raises for a lost peer
        sent.append(message)

    loop = asyncio.get_running_loop()
    problems: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _loop, context: problems.append(context))
    try:
        await asyncio.wait_for(make_router()(_websocket_scope(), receive, send), 5)
        await wait_until_closed(baseline)
        gc.collect()  # an unretrieved task error is reported when its task is collected
        await asyncio.sleep(0)
    finally:
        loop.set_exception_handler(None)
    assert problems == []
    assert [m.get("text", m["type"]) for m in sent] == [
        "websocket.accept",
        '{"type":"connection_ack"}',
    ]


def _subscribe_message(query: str) -> dict[str, Any]:
    return {"id": "1", "type": "subscribe", "payload": {"query": query}}


def _websocket_scope() -> dict[str, Any]:
    return {
        "type": "websocket",
        "asgi": {"version": "3.0"},
        "scheme": "ws",
        "http_version": "1.1",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"router"), (b"sec-websocket-protocol", b"graphql-transport-ws")],
        "client": ("127.0.0.1", 50000),
        "server": ("router", 80),
        "subprotocols": ["graphql-transport-ws"],
        "state": {},
    }
