"""How the router reaches a subgraph: in-process ASGI or pooled HTTP.

Both speak GraphQL over HTTP (POST JSON) so the same plan runs on either. Every
failure to get a GraphQL response (connection refused, timeout, a non-2xx status
without a GraphQL body, a body that is not a JSON object) raises ``SubgraphError``,
which the executor turns into a GraphQL error on the fields that fetch served.
"""

from __future__ import annotations

import asyncio
from typing import Any, Protocol

import httpx
import orjson

from shared.httpx_client import AsyncClient

GraphQLResponse = dict[str, Any]

_JSON_HEADERS = {
    "content-type": "application/json",
    "accept": "application/graphql-response+json, application/json",
}


SUBGRAPH_UNAVAILABLE = "SUBGRAPH_UNAVAILABLE"
SUBGRAPH_INVALID_RESPONSE = "SUBGRAPH_INVALID_RESPONSE"


class SubgraphError(Exception):
    """A subgraph could not be reached or did not answer with a GraphQL response.

    ``code`` is the client-facing ``extensions.code`` (the executor's codes);
    ``reason`` says more for logs: timeout, unreachable, http_status, not_json.
    """

    def __init__(self, service_name: str, code: str, message: str, reason: str = "") -> None:
        super().__init__(f"subgraph '{service_name}': {message}")
        self.service_name = service_name
        self.code = code
        self.message = message
        self.reason = reason

    def to_graphql_error(self) -> dict[str, Any]:
        """The error as a GraphQL error object (no path: the executor adds it)."""
        return {
            "message": str(self),
            "extensions": {"code": self.code, "serviceName": self.service_name},
        }


class SubgraphTransport(Protocol):
    """Sends one GraphQL request to one subgraph and returns its JSON response."""

    async def execute(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        operation_name: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> GraphQLResponse: ...

    async def aclose(self) -> None: ...


class HttpxTransport:
    """GraphQL over an ``httpx.AsyncClient``: a pooled HTTP client or an ASGI app in-process.

    ``app`` is the ASGI app for in-process subgraphs (subscriptions reach it through
    an in-process WebSocket); ``url`` is the endpoint URL (for HTTP subgraphs the
    WebSocket URL is derived from it).
    """

    def __init__(
        self,
        client: httpx.AsyncClient,
        url: str,
        service_name: str = "subgraph",
        app: Any = None,
    ) -> None:
        self._client = client
        self.url = url
        self.service_name = service_name
        self.app = app
        # A deadline for the whole request: httpx's own timeouts are per network phase and
        # its ASGI transport (in-process subgraphs) ignores them altogether.
        timeout = client.timeout
        self.timeout_seconds = max(
            (t for t in (timeout.connect, timeout.read, timeout.write, timeout.pool) if t),
            default=None,
        )

    @classmethod
    def http(
        cls, url: str, timeout: float = 30.0, service_name: str = "subgraph"
    ) -> HttpxTransport:
        """A keep-alive HTTP client for a subgraph served at ``url``."""
        # Idle connections go before servers close theirs (uvicorn: 5 s), or a reuse races it.
        limits = httpx.Limits(
            max_connections=200, max_keepalive_connections=100, keepalive_expiry=4.0
        )
        client = AsyncClient(timeout=timeout, limits=limits, http2=False)
        return cls(client, url, service_name)

    @classmethod
    def in_process(
        cls,
        app: Any,
        path: str = "/graphql",
        timeout: float = 30.0,
        service_name: str = "subgraph",
    ) -> HttpxTransport:
        """Calls an ASGI app directly, without sockets."""
        transport = httpx.ASGITransport(app=app)
        client = AsyncClient(transport=transport, base_url="http://subgraph", timeout=timeout)
        return cls(client, path, service_name, app=app)

    async def execute(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        operation_name: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> GraphQLResponse:
        body = request_body(query, variables, operation_name)
        request_headers = {**_JSON_HEADERS, **headers} if headers else _JSON_HEADERS
        try:
            async with asyncio.timeout(self.timeout_seconds):
                response = await self._client.post(self.url, content=body, headers=request_headers)
        except (httpx.TimeoutException, TimeoutError) as error:
            raise timed_out(self.service_name) from error
        except httpx.HTTPError as error:
            raise call_failed(self.service_name, error) from error
        return decode_response(self.service_name, response.status_code, response.content)

    async def aclose(self) -> None:
        await self._client.aclose()


def request_body(query: str, variables: dict[str, Any] | None, operation_name: str | None) -> bytes:
    """The JSON body of a GraphQL request."""
    body: dict[str, Any] = {"query": query}
    if variables:
        body["variables"] = variables
    if operation_name:
        body["operationName"] = operation_name
    return orjson.dumps(body)


def timed_out(service_name: str) -> SubgraphError:
    """The SubgraphError of a call that ran past its timeout."""
    return SubgraphError(service_name, SUBGRAPH_UNAVAILABLE, "timed out", "timeout")


def call_failed(
    service_name: str, error: BaseException, state: str = "unreachable", reason: str = "unreachable"
) -> SubgraphError:
    """The SubgraphError of a call that raised `error` (`state`: unreachable, failed)."""
    message = f"{state} ({type(error).__name__}: {error})"
    return SubgraphError(service_name, SUBGRAPH_UNAVAILABLE, message, reason)


def decode_response(service_name: str, status: int, content: bytes) -> GraphQLResponse:
    """The GraphQL response in an HTTP answer, or a SubgraphError saying why there is none."""
    try:
        result = orjson.loads(content)
    except orjson.JSONDecodeError:
        message = f"answered HTTP {status} without JSON"
        raise SubgraphError(service_name, SUBGRAPH_UNAVAILABLE, message, "not_json") from None
    # GraphQL-over-HTTP allows 4xx/5xx carrying a GraphQL response (request errors):
    # those errors are the subgraph's own and are passed on as they are.
    if isinstance(result, dict) and ("data" in result or "errors" in result):
        return result
    if not 200 <= status < 300:
        message = f"answered HTTP {status}"
        raise SubgraphError(service_name, SUBGRAPH_UNAVAILABLE, message, "http_status")
    message = "answered JSON that is not a GraphQL response"
    raise SubgraphError(service_name, SUBGRAPH_INVALID_RESPONSE, message, "not_graphql")
