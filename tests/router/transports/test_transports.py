"""Subgraph transports: the same answers in-process and over HTTP, typed errors otherwise."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from router.transports import (
    SUBGRAPH_INVALID_RESPONSE,
    SUBGRAPH_UNAVAILABLE,
    HttpxTransport,
    SubgraphError,
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


MISBEHAVING = Starlette(
    routes=[
        Route("/slow", _slow, methods=["POST"]),
        Route("/html", _html, methods=["POST"]),
        Route("/list", _not_graphql, methods=["POST"]),
        Route("/error400", _graphql_error_400, methods=["POST"]),
        Route("/headers", _echo_headers, methods=["POST"]),
    ]
)


async def test_in_process_and_http_transports_answer_the_same(
    serve_asgi: Callable[[Any], UvicornThread],
) -> None:
    server = serve_asgi(reviews_app)
    query = "{ reviews { body author { id } } }"
    in_process = HttpxTransport.in_process(reviews_app, service_name="reviews")
    over_http = HttpxTransport.http(f"{server.url}/graphql", service_name="reviews")
    try:
        local = await in_process.execute(query)
        remote = await over_http.execute(query)
    finally:
        await in_process.aclose()
        await over_http.aclose()
    assert local == remote
    assert local["data"]["reviews"][0] == {"body": "Great", "author": {"id": "1"}}


async def test_http_transport_reuses_one_keep_alive_connection(
    serve_asgi: Callable[[Any], UvicornThread],
) -> None:
    server = serve_asgi(reviews_app)
    transport = HttpxTransport.http(f"{server.url}/graphql", service_name="reviews")
    try:
        for _ in range(5):
            await transport.execute("{ __typename }")
        pool = transport._client._transport._pool  # type: ignore[attr-defined]
        assert len(pool.connections) == 1
    finally:
        await transport.aclose()


async def test_connection_refused_is_a_subgraph_error() -> None:
    url = f"http://127.0.0.1:{free_port()}/graphql"
    transport = HttpxTransport.http(url, timeout=1.0, service_name="reviews")
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
async def test_bad_answers_are_typed_subgraph_errors(path: str, code: str, reason: str) -> None:
    transport = HttpxTransport.in_process(MISBEHAVING, path=path, timeout=0.3, service_name="s")
    with pytest.raises(SubgraphError) as raised:
        await transport.execute("{ __typename }")
    await transport.aclose()
    assert (raised.value.code, raised.value.reason) == (code, reason)
    assert raised.value.to_graphql_error()["extensions"]["code"] == code


async def test_non_2xx_status_for_an_answer_of_the_http_kind_is_a_subgraph_error(
    serve_asgi: Callable[[Any], UvicornThread],
) -> None:
    server = serve_asgi(MISBEHAVING)
    transport = HttpxTransport.http(f"{server.url}/html", service_name="s")
    with pytest.raises(SubgraphError) as raised:
        await transport.execute("{ __typename }")
    await transport.aclose()
    assert "502" in raised.value.message


async def test_graphql_errors_with_a_4xx_status_are_passed_on() -> None:
    transport = HttpxTransport.in_process(MISBEHAVING, path="/error400", service_name="s")
    result = await transport.execute("{ __typename }")
    await transport.aclose()
    assert result["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_headers_are_forwarded_to_the_subgraph() -> None:
    transport = HttpxTransport.in_process(MISBEHAVING, path="/headers", service_name="s")
    result = await transport.execute("{ __typename }", headers={"authorization": "Bearer t"})
    await transport.aclose()
    assert result == {"data": {"auth": "Bearer t"}}
