"""graphql-sse (distinct connections) through the router."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import orjson

from tests.router.http.fixtures import client_for, make_router
from tests.router.http.subgraphs import PROBE
from tests.router.subscriptions.support import ENDLESS, wait_until_closed
from tests.support.servers import UvicornThread

SSE = {"accept": "text/event-stream"}


def parse_events(text: str) -> list[tuple[str, Any]]:
    """(event, data) pairs of an event stream; comments are skipped."""
    events = []
    for block in text.split("\n\n"):
        fields = dict(
            line.split(":", 1) for line in block.splitlines() if line and not line.startswith(":")
        )
        if "event" in fields:
            data = fields.get("data", "").strip()
            events.append((fields["event"].strip(), orjson.loads(data) if data else None))
    return events


async def test_sse_streams_each_event_with_fields_from_another_subgraph() -> None:
    query = "subscription { reviewAdded(count: 2) { body author { name } } }"
    async with client_for(make_router()) as client:
        response = await client.post("/graphql", json={"query": query}, headers=SSE)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert parse_events(response.text) == [
        ("next", {"data": {"reviewAdded": {"body": "Great", "author": {"name": "Ada"}}}}),
        ("next", {"data": {"reviewAdded": {"body": "Meh", "author": {"name": "Brian"}}}}),
        ("complete", None),
    ]


async def test_sse_get_with_query_string_works_for_subscriptions() -> None:
    params = {"query": "subscription { reviewAdded(count: 1) { body } }"}
    async with client_for(make_router()) as client:
        response = await client.get("/graphql", params=params, headers=SSE)
    assert parse_events(response.text) == [
        ("next", {"data": {"reviewAdded": {"body": "Great"}}}),
        ("complete", None),
    ]


async def test_sse_query_is_one_event_then_complete() -> None:
    async with client_for(make_router()) as client:
        response = await client.post("/graphql", json={"query": "{ me { name } }"}, headers=SSE)
    assert parse_events(response.text) == [
        ("next", {"data": {"me": {"name": "Ada"}}}),
        ("complete", None),
    ]


async def test_sse_request_error_is_answered_before_the_stream_with_400() -> None:
    query = "subscription { reviewAdded { nope } }"
    async with client_for(make_router()) as client:
        response = await client.post("/graphql", json={"query": query}, headers=SSE)
    assert response.status_code == 400
    assert 'Cannot query field "nope"' in response.json()["errors"][0]["message"]


async def test_sse_client_disconnect_closes_the_subgraph_subscription(
    serve_asgi: Callable[[Any], UvicornThread],
) -> None:
    # httpx's ASGI transport buffers whole responses, so the router runs on uvicorn here.
    server = serve_asgi(make_router())
    baseline = PROBE.open
    async with (
        httpx.AsyncClient(base_url=server.url, timeout=10.0) as client,
        client.stream("POST", "/graphql", json={"query": ENDLESS}, headers=SSE) as response,
    ):
        received = 0
        async for line in response.aiter_lines():
            if line.startswith("event: next"):
                received += 1
            if received == 3:
                assert PROBE.open == baseline + 1
                break
    assert received == 3
    await wait_until_closed(baseline)
