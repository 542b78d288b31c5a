"""shared.httpx_client: finished responses are freed by reference counting alone."""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from shared.httpx_client import AsyncClient, unlink_stream
from tests.support.collector import collector_off
from tests.support.servers import UvicornThread

CALLS = 20


async def _plain(_: Request) -> Response:
    return PlainTextResponse("hello")


async def _streamed(_: Request) -> Response:
    async def body() -> Any:
        for piece in (b"one ", b"two"):
            yield piece

    return StreamingResponse(body())


APP = Starlette(routes=[Route("/plain", _plain), Route("/streamed", _streamed)])


def responses_alive() -> int:
    """httpx responses on the heap: alive, or dead in a cycle the collector has not freed."""
    return sum(isinstance(thing, httpx.Response) for thing in gc.get_objects())


@pytest.mark.parametrize(
    ("client_class", "left_per_call"),
    [(AsyncClient, 0), (httpx.AsyncClient, 1)],  # httpx's own: what the class is for
    ids=["ours", "httpx"],
)
async def test_read_responses_leave_nothing_for_the_collector(
    serve_asgi: Callable[[Any], UvicornThread],
    client_class: type[httpx.AsyncClient],
    left_per_call: int,
) -> None:
    url = serve_asgi(APP).url
    async with client_class(base_url=url) as client:
        with collector_off():
            before = responses_alive()
            for _ in range(CALLS):
                assert (await client.get("/plain")).text == "hello"  # read: stays readable
            assert responses_alive() == before + left_per_call * CALLS


async def test_streamed_responses_leave_nothing_once_unlinked_after_closing(
    serve_asgi: Callable[[Any], UvicornThread],
) -> None:
    url = serve_asgi(APP).url
    async with AsyncClient(base_url=url) as client:
        with collector_off():
            before = responses_alive()
            for _ in range(CALLS):
                async with client.stream("GET", "/streamed") as streamed:
                    unlink_stream(streamed)  # not closed yet: nothing to break
                    assert await streamed.aread() == b"one two"
                unlink_stream(streamed)
            del streamed
            assert responses_alive() == before
