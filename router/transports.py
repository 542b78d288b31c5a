"""How the router reaches a subgraph: in-process ASGI or pooled HTTP.

Both speak GraphQL over HTTP (POST JSON) so the same plan runs on either.
"""

from __future__ import annotations

from typing import Any, Protocol

import httpx
import orjson

GraphQLResponse = dict[str, Any]


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
    """GraphQL over an ``httpx.AsyncClient``: a pooled HTTP client or an ASGI app in-process."""

    def __init__(self, client: httpx.AsyncClient, url: str) -> None:
        self._client = client
        self._url = url

    @classmethod
    def http(cls, url: str, timeout: float = 30.0) -> HttpxTransport:
        """A keep-alive HTTP client for a subgraph served at ``url``."""
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=100)
        return cls(httpx.AsyncClient(timeout=timeout, limits=limits), url)

    @classmethod
    def in_process(cls, app: Any, path: str = "/graphql", timeout: float = 30.0) -> HttpxTransport:
        """Calls an ASGI app directly, without sockets."""
        transport = httpx.ASGITransport(app=app)
        client = httpx.AsyncClient(transport=transport, base_url="http://subgraph", timeout=timeout)
        return cls(client, path)

    async def execute(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        operation_name: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> GraphQLResponse:
        body: dict[str, Any] = {"query": query}
        if variables:
            body["variables"] = variables
        if operation_name:
            body["operationName"] = operation_name
        request_headers = {"content-type": "application/json", "accept": "application/json"}
        if headers:
            request_headers.update(headers)
        response = await self._client.post(
            self._url, content=orjson.dumps(body), headers=request_headers
        )
        result: GraphQLResponse = orjson.loads(response.content)
        return result

    async def aclose(self) -> None:
        await self._client.aclose()
