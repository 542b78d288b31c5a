"""Retries, timeouts and error bodies of the Directus client, on a local flaky HTTP server."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from shared.directus.api_errors import DirectusApiError, DirectusTimeout, DirectusUnavailable
from shared.directus.client import DirectusClient, RetryPolicy
from shared.errors import ErrorCode
from tests.support.ports import free_port
from tests.support.servers import UvicornThread

FAST_RETRY = RetryPolicy(retries=2, base_delay=0.01, max_delay=0.05)
UNAVAILABLE_BODY = {"errors": [{"message": "Under pressure", "extensions": {"code": "X"}}]}


class FlakyDirectus:
    """Answers 503 to the first `failures` calls of each method, then succeeds."""

    def __init__(self, failures: int = 2) -> None:
        self.failures = failures
        self.hits: dict[str, int] = {}
        self.in_flight = 0
        self.most_in_flight = 0

    async def endpoint(self, request: Request) -> Response:
        count = self.hits[request.method] = self.hits.get(request.method, 0) + 1
        if count <= self.failures:
            return JSONResponse(UNAVAILABLE_BODY, status_code=503)
        return JSONResponse({"data": {"method": request.method}})

    async def counted(self, _: Request) -> Response:
        """Holds each call 50 ms, keeping the most calls seen in flight at once."""
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        await asyncio.sleep(0.05)
        self.in_flight -= 1
        return JSONResponse({"data": None})

    def app(self) -> Starlette:
        methods = ["GET", "POST", "PATCH", "PUT", "DELETE"]
        routes = [
            Route("/items/things", self.endpoint, methods=methods),
            Route("/items/things/{id}", self.endpoint, methods=methods),
            Route("/slow", _slow),
            Route("/counted", self.counted),
            Route("/html", _html_502),
        ]
        return Starlette(routes=routes)


async def _slow(_: Request) -> Response:
    await asyncio.sleep(1.0)
    return JSONResponse({"data": None})


async def _html_502(_: Request) -> Response:
    return PlainTextResponse("<html>bad gateway</html>", status_code=502)


@pytest.fixture
def flaky(serve_asgi: Callable[[Any], UvicornThread]) -> tuple[FlakyDirectus, str]:
    server = FlakyDirectus()
    return server, serve_asgi(server.app()).url


async def test_get_is_retried_until_it_succeeds(flaky: tuple[FlakyDirectus, str]) -> None:
    server, url = flaky
    async with DirectusClient(url, "t", retry=FAST_RETRY) as client:
        rows = await client.data("GET", "/items/things")
    assert rows == {"method": "GET"}
    assert server.hits["GET"] == 3


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
async def test_idempotent_writes_are_retried(flaky: tuple[FlakyDirectus, str], method: str) -> None:
    server, url = flaky
    async with DirectusClient(url, "t", retry=FAST_RETRY) as client:
        await client.request(method, "/items/things/1")
    assert server.hits[method] == 3


async def test_post_is_never_retried(flaky: tuple[FlakyDirectus, str]) -> None:
    server, url = flaky
    async with DirectusClient(url, "t", retry=FAST_RETRY) as client:
        with pytest.raises(DirectusUnavailable) as caught:
            await client.create_item("things", {"name": "once"})
    assert server.hits["POST"] == 1
    assert caught.value.code is ErrorCode.UNAVAILABLE and caught.value.status == 503


async def test_patch_is_not_retried(flaky: tuple[FlakyDirectus, str]) -> None:
    server, url = flaky
    async with DirectusClient(url, "t", retry=FAST_RETRY) as client:
        with pytest.raises(DirectusUnavailable):
            await client.update_item("things", 1, {"name": "once"})
    assert server.hits["PATCH"] == 1


async def test_get_gives_up_after_its_retries(flaky: tuple[FlakyDirectus, str]) -> None:
    server, url = flaky
    server.failures = 10
    async with DirectusClient(url, "t", retry=FAST_RETRY) as client:
        with pytest.raises(DirectusUnavailable):
            await client.read_items("things")
    assert server.hits["GET"] == 3


async def test_call_timeout_raises_timeout(flaky: tuple[FlakyDirectus, str]) -> None:
    _, url = flaky
    async with DirectusClient(url, "t", retry=RetryPolicy(retries=0)) as client:
        with pytest.raises(DirectusTimeout) as caught:
            await client.request("GET", "/slow", timeout_seconds=0.2)
    assert caught.value.code is ErrorCode.TIMEOUT
    assert "0.2 s" in caught.value.message


async def test_calls_past_max_connections_wait_their_turn(
    flaky: tuple[FlakyDirectus, str],
) -> None:
    server, url = flaky
    async with DirectusClient(url, "t", max_connections=3) as client:
        await asyncio.gather(*(client.request("GET", "/counted") for _ in range(12)))
    assert server.most_in_flight == 3


async def test_waiting_for_a_connection_counts_against_the_timeout(
    flaky: tuple[FlakyDirectus, str],
) -> None:
    _, url = flaky
    retry = RetryPolicy(retries=0)
    async with DirectusClient(url, "t", retry=retry, max_connections=1) as client:
        slow = asyncio.create_task(client.request("GET", "/slow"))
        await asyncio.sleep(0.05)
        with pytest.raises(DirectusTimeout):
            await client.request("GET", "/counted", timeout_seconds=0.2)
        await slow


async def test_non_directus_error_body_maps_by_status(flaky: tuple[FlakyDirectus, str]) -> None:
    _, url = flaky
    async with DirectusClient(url, "t", retry=RetryPolicy(retries=0)) as client:
        with pytest.raises(DirectusApiError) as caught:
            await client.request("GET", "/html")
    assert caught.value.code is ErrorCode.UNAVAILABLE
    assert caught.value.directus_code is None
    assert "HTTP 502" in str(caught.value)


async def test_unreachable_directus_is_unavailable_after_retries() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    async with DirectusClient(url, "t", retry=FAST_RETRY) as client:
        with pytest.raises(DirectusUnavailable) as caught:
            await client.read_items("things")
        assert not await client.ping()
    assert caught.value.code is ErrorCode.UNAVAILABLE
    assert caught.value.call == "GET /items/things"


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    policy = RetryPolicy(retries=5, base_delay=0.1, max_delay=0.5)
    for attempt, ceiling in enumerate([0.1, 0.2, 0.4, 0.5, 0.5]):
        delays = {policy.delay(attempt) for _ in range(50)}
        assert all(0 <= delay <= ceiling for delay in delays)
        assert len(delays) > 1  # jittered, so retrying clients do not stampede together
    assert policy.delay(0, retry_after=0.3) == 0.3
    assert policy.delay(0, retry_after=30) == 0.5
