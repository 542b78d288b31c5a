"""Subgraph transports: the same answers in-process and over HTTP, typed errors otherwise."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any, cast

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from router.http.subgraph_clients import AsgiTransport, HttpTransport
from router.transports import (
    SUBGRAPH_INVALID_RESPONSE,
    SUBGRAPH_UNAVAILABLE,
    HttpxTransport,
    SubgraphError,
    SubgraphTransport,
)
from tests.router.http.subgraphs import reviews_app
from tests.support.ports import free_port
from tests.support.servers import UvicornThread

QUERY = "query R($n: String!) { addReview: reviews { body } __typename }"


async def _slow(_: Request) -> Response:
    await asyncio.sleep(2)
    return JSONResponse({"data": {}})


async def _html(_: Request) -> Response:
    return PlainTextResponse("<html>bad gateway</html>", status_code=502)


async def _not_graphql(_: Request) -> Response:
    return JSONResponse([1, 2, 3])


async def _graphql_error_400(_: Request) -> Response:
    body = {
        "errors": [{"message": "bad query", "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}}]
    }
    return JSONResponse(body, status_code=400, media_type="application/graphql-response+json")


async def _echo_headers(request: Request) -> Response:
    return JSONResponse({"data": {"auth": request.headers.get("authorization")}})


@pytest.fixture(scope="module")
def misbehaving_server() -> Iterator[UvicornThread]:
    """The misbehaving app on uvicorn, shared by this module's tests."""
    server = UvicornThread(MISBEHAVING_APP).start()
    try:
        yield server
    finally:
        server.stop()


MISBEHAVING_APP = Starlette(
    routes=[
        Route("/slow", _slow, methods=["POST"]),
        Route("/html", _html, methods=["POST"]),
        Route("/list", _not_graphql, methods=["POST"]),
        Route("/error400", _graphql_error_400, methods=["POST"]),
        Route("/headers", _echo_headers, methods=["POST"]),
    ]
)


HttpFactory = Callable[..., SubgraphTransport]


@pytest.fixture(params=["asyncio_httptools", "httpx"])
def over_http(request: pytest.FixtureRequest) -> HttpFactory:
    """Both HTTP transports: the router's own client and the httpx one."""
    if request.param == "httpx":
        return HttpxTransport.http
    return HttpTransport


@pytest.fixture(params=["direct_asgi", "httpx_asgi"])
def in_process(request: pytest.FixtureRequest) -> HttpFactory:
    """Both in-process transports: the router's direct ASGI call and httpx's ASGI transport."""
    if request.param == "httpx_asgi":
        return HttpxTransport.in_process
    return AsgiTransport


async def test_in_process_and_http_transports_answer_the_same(
    serve_asgi: Callable[[Any], UvicornThread], over_http: HttpFactory, in_process: HttpFactory
) -> None:
    server = serve_asgi(reviews_app)
    query = "{ reviews { body author { id } } }"
    local_transport = in_process(reviews_app, service_name="reviews")
    remote_transport = over_http(f"{server.url}/graphql", service_name="reviews")
    try:
        local = await local_transport.execute(query)
        remote = await remote_transport.execute(query)
    finally:
        await local_transport.aclose()
        await remote_transport.aclose()
    assert local == remote
    assert local["data"]["reviews"][0] == {"body": "Great", "author": {"id": "1"}}


async def test_http_transport_reuses_one_keep_alive_connection(
    serve_asgi: Callable[[Any], UvicornThread],
) -> None:
    server = serve_asgi(reviews_app)
    transport = HttpTransport(f"{server.url}/graphql", service_name="reviews")
    try:
        for _ in range(5):
            assert await transport.execute("{ __typename }") == {"data": {"__typename": "Query"}}
        assert transport.idle_connections == 1
    finally:
        await transport.aclose()


async def test_connection_refused_is_a_subgraph_error(over_http: HttpFactory) -> None:
    url = f"http://127.0.0.1:{free_port()}/graphql"
    transport = over_http(url, timeout=1.0, service_name="reviews")
    with pytest.raises(SubgraphError) as raised:
        await transport.execute("{ __typename }")
    await transport.aclose()
    assert raised.value.code == SUBGRAPH_UNAVAILABLE
    assert raised.value.reason == "unreachable"
    assert raised.value.service_name == "reviews"


@pytest.mark.parametrize(
    ("path", "code", "reason"),
    [
        ("/slow", SUBGRAPH_UNAVAILABLE, "timeout"),
        ("/html", SUBGRAPH_UNAVAILABLE, "not_json"),
        ("/list", SUBGRAPH_INVALID_RESPONSE, "not_graphql"),
    ],
)
async def test_bad_answers_are_typed_subgraph_errors(
    in_process: HttpFactory, path: str, code: str, reason: str
) -> None:
    transport = in_process(MISBEHAVING_APP, path=path, timeout=0.3, service_name="s")
    with pytest.raises(SubgraphError) as raised:
        await transport.execute("{ __typename }")
    await transport.aclose()
    assert (raised.value.code, raised.value.reason) == (code, reason)
    assert raised.value.to_graphql_error()["extensions"]["code"] == code


@pytest.mark.parametrize(
    ("path", "code", "reason"),
    [
        ("/slow", SUBGRAPH_UNAVAILABLE, "timeout"),
        ("/html", SUBGRAPH_UNAVAILABLE, "not_json"),
        ("/list", SUBGRAPH_INVALID_RESPONSE, "not_graphql"),
    ],
)
async def test_bad_answers_over_http_are_typed_subgraph_errors(
    misbehaving_server: UvicornThread, over_http: HttpFactory, path: str, code: str, reason: str
) -> None:
    transport = over_http(f"{misbehaving_server.url}{path}", timeout=0.3, service_name="s")
    with pytest.raises(SubgraphError) as raised:
        await transport.execute("{ __typename }")
    await transport.aclose()
    assert (raised.value.code, raised.value.reason) == (code, reason)


async def test_graphql_errors_with_a_4xx_status_are_passed_on_over_http(
    misbehaving_server: UvicornThread, over_http: HttpFactory
) -> None:
    transport = over_http(f"{misbehaving_server.url}/error400", service_name="s")
    result = await transport.execute("{ __typename }")
    await transport.aclose()
    assert result["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_headers_are_forwarded_over_http(
    misbehaving_server: UvicornThread, over_http: HttpFactory
) -> None:
    transport = over_http(f"{misbehaving_server.url}/headers", service_name="s")
    result = await transport.execute("{ __typename }", headers={"authorization": "Bearer t"})
    await transport.aclose()
    assert result == {"data": {"auth": "Bearer t"}}


async def test_header_values_cannot_split_the_request() -> None:
    transport = HttpTransport("http://127.0.0.1:9/graphql", service_name="s")
    with pytest.raises(ValueError, match="invalid header"):
        await transport.execute("{ __typename }", headers={"x": "a\r\nInjected: 1"})


async def test_graphql_errors_with_a_4xx_status_are_passed_on(in_process: HttpFactory) -> None:
    transport = in_process(MISBEHAVING_APP, path="/error400", service_name="s")
    result = await transport.execute("{ __typename }")
    await transport.aclose()
    assert result["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_headers_are_forwarded_to_the_subgraph(in_process: HttpFactory) -> None:
    transport = in_process(MISBEHAVING_APP, path="/headers", service_name="s")
    result = await transport.execute("{ __typename }", headers={"authorization": "Bearer t"})
    await transport.aclose()
    assert result == {"data": {"auth": "Bearer t"}}


class _ClosesReusedConnections(asyncio.Protocol):
    """Answers the first request of each connection; closes it on the second, unanswered.

    That is what a server does when its keep-alive timeout fires as the client reuses
    the connection.
    """

    requests: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        self.served = 0

    def data_received(self, data: bytes) -> None:
        self.requests.append(data)
        if self.served:
            self.transport.close()
            return
        self.served += 1
        body = b'{"data": {"ok": true}}'
        head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n"
        self.transport.write(head % len(body) + body)


async def test_a_query_on_a_connection_the_server_just_closed_is_retried_once() -> None:
    server = await asyncio.get_running_loop().create_server(
        _ClosesReusedConnections, "127.0.0.1", 0
    )
    port = server.sockets[0].getsockname()[1]
    transport = HttpTransport(f"http://127.0.0.1:{port}/graphql", service_name="s")
    try:
        assert await transport.execute("{ ok }") == {"data": {"ok": True}}
        assert await transport.execute("{ ok }") == {"data": {"ok": True}}
        with pytest.raises(SubgraphError):  # a mutation is never sent twice
            await transport.execute("mutation { ok }")
    finally:
        await transport.aclose()
        server.close()


async def test_a_crashing_in_process_subgraph_is_a_subgraph_error() -> None:
    async def crashing(scope: dict[str, Any], receive: Any, send: Any) -> None:
        raise RuntimeError("boom")

    transport = AsgiTransport(crashing, service_name="s")
    with pytest.raises(SubgraphError) as raised:
        await transport.execute("{ __typename }")
    assert raised.value.code == SUBGRAPH_UNAVAILABLE
    assert "boom" in raised.value.message
