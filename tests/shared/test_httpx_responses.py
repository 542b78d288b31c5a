"""unlink_stream: a finished httpx response is freed by reference counting alone."""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from shared.httpx_responses import unlink_stream
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


async def test_read_and_streamed_responses_leave_nothing_for_the_collector(
    serve_asgi: Callable[[Any], UvicornThread],
) -> None:
    url = serve_asgi(APP).url
    async with httpx.AsyncClient(base_url=url) as client:
        with collector_off():
            before = responses_alive()
            for _ in range(CALLS):
                response = await client.get("/plain")
                unlink_stream(response)
                assert response.text == "hello"  # what was read stays readable
                async with client.stream("GET", "/streamed") as streamed:
                    assert await streamed.aread() == b"one two"
                unlink_stream(streamed)
            del response, streamed
            assert responses_alive() == before


async def test_without_it_each_response_waits_for_the_collector(
    serve_asgi: Callable[[Any], UvicornThread],
) -> None:
    # What the function is for: httpx's response and its stream refer to each other.
    url = serve_asgi(APP).url
    async with httpx.AsyncClient(base_url=url) as client:
        with collector_off():
            before = responses_alive()
            for _ in range(CALLS):
                assert (await client.get("/plain")).text == "hello"
            assert responses_alive() == before + CALLS


async def test_an_open_stream_is_left_readable(serve_asgi: Callable[[Any], UvicornThread]) -> None:
    url = serve_asgi(APP).url
    async with (
        httpx.AsyncClient(base_url=url) as client,
        client.stream("GET", "/streamed") as streamed,
    ):
        unlink_stream(streamed)  # not closed yet: nothing to break
        assert await streamed.aread() == b"one two"
