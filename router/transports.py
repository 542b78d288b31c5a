"""How the router reaches a subgraph: in-process ASGI or pooled HTTP.

Both speak GraphQL over HTTP (POST JSON) so the same plan runs on either. Every
failure to get a GraphQL response (connection refused, timeout, a non-2xx status
without a GraphQL body, a body that is not a JSON object) raises ``SubgraphError``,
which the executor turns into a GraphQL error on the fields that fetch served.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from typing import Any, Protocol, cast
from urllib.parse import urlsplit

import httptools
import httpx
import orjson

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
        limits = httpx.Limits(
            max_connections=200, max_keepalive_connections=100, keepalive_expiry=30.0
        )
        client = httpx.AsyncClient(timeout=timeout, limits=limits, http2=False)
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
        client = httpx.AsyncClient(transport=transport, base_url="http://subgraph", timeout=timeout)
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
            raise SubgraphError(
                self.service_name, SUBGRAPH_UNAVAILABLE, "timed out", "timeout"
            ) from error
        except httpx.HTTPError as error:
            message = f"unreachable ({type(error).__name__}: {error})"
            raise SubgraphError(
                self.service_name, SUBGRAPH_UNAVAILABLE, message, "unreachable"
            ) from error
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


class _Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection to a subgraph, one request at a time."""

    def __init__(self) -> None:
        self._transport: asyncio.Transport | None = None
        self._parser = httptools.HttpResponseParser(self)
        self._status = 0
        self._body: list[bytes] = []
        self._waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self.closed = False
        self.keep_alive = True
        self.received_any = False
        self.idle_since = 0.0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports do not subclass asyncio.Transport, so no isinstance check.
        self._transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self.received_any = True
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as error:
            self._fail(error)
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._fail(exc or ConnectionResetError("the subgraph closed the connection"))

    # httptools callbacks
    def on_headers_complete(self) -> None:
        self._status = self._parser.get_status_code()

    def on_body(self, body: bytes) -> None:
        self._body.append(body)

    def on_message_complete(self) -> None:
        self.keep_alive = self._parser.should_keep_alive()
        body = b"".join(self._body)
        self._body = []
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result((self._status, body))

    def _fail(self, error: BaseException) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(error)

    async def request(self, data: bytes) -> tuple[int, bytes]:
        """Sends one request and waits for the whole response (status, body)."""
        assert self._transport is not None
        self.received_any = False
        self._waiter = asyncio.get_running_loop().create_future()
        try:
            self._transport.write(data)
            return await self._waiter
        finally:
            self._waiter = None

    def close(self) -> None:
        """Closes the connection (it is never reused after this)."""
        self.closed = True
        if self._transport is not None:
            self._transport.close()


class HttpTransport:
    """GraphQL over pooled keep-alive HTTP/1.1, on asyncio and httptools.

    The router's default for subgraphs reached by URL: on this hot path it costs a
    fraction of an ``httpx.AsyncClient`` call (see tests/router/transports). Idle
    connections are dropped before servers usually close theirs (uvicorn: 5 s), and
    a query (never a mutation) whose reused connection turns out closed is retried
    once on a new one.
    """

    def __init__(
        self,
        url: str,
        timeout: float = 30.0,
        service_name: str = "subgraph",
        max_connections: int = 100,
        keepalive_expiry: float = 4.0,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"subgraph '{service_name}': not an http(s) URL: {url!r}")
        self.url = url
        self.service_name = service_name
        self.timeout_seconds = timeout
        self.app = None
        self._host = parts.hostname
        self._port = parts.port or (443 if parts.scheme == "https" else 80)
        self._ssl = ssl.create_default_context() if parts.scheme == "https" else None
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self._head = (
            f"POST {target} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            "Content-Type: application/json\r\n"
            "Accept: application/graphql-response+json, application/json\r\n"
        ).encode("latin-1")
        self._idle: list[_Connection] = []
        self._slots = asyncio.Semaphore(max_connections)
        self._keepalive_expiry = keepalive_expiry
        self._closed = False

    async def execute(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        operation_name: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> GraphQLResponse:
        body = request_body(query, variables, operation_name)
        request = self._head + _header_lines(headers) + b"Content-Length: %d\r\n\r\n" % len(body)
        retry_stale = not query.lstrip().startswith("mutation")
        try:
            async with asyncio.timeout(self.timeout_seconds), self._slots:
                status, content = await self._exchange(request + body, retry_stale)
        except TimeoutError as error:
            raise SubgraphError(
                self.service_name, SUBGRAPH_UNAVAILABLE, "timed out", "timeout"
            ) from error
        except (OSError, httptools.HttpParserError) as error:
            message = f"unreachable ({type(error).__name__}: {error})"
            raise SubgraphError(
                self.service_name, SUBGRAPH_UNAVAILABLE, message, "unreachable"
            ) from error
        return decode_response(self.service_name, status, content)

    async def _exchange(self, request: bytes, retry_stale: bool) -> tuple[int, bytes]:
        connection, reused = await self._acquire()
        try:
            result = await connection.request(request)
        except ConnectionError:
            connection.close()
            if not (reused and retry_stale and not connection.received_any):
                raise
            # The server closed the idle connection as we reused it: nothing was processed.
            connection, _ = await self._acquire(fresh=True)
            try:
                result = await connection.request(request)
            except BaseException:
                connection.close()
                raise
        except BaseException:
            # Timed out or cancelled mid-request: a late response must not reach the next user.
            connection.close()
            raise
        self._release(connection)
        return result

    async def _acquire(self, fresh: bool = False) -> tuple[_Connection, bool]:
        now = time.monotonic()
        while self._idle and not fresh:
            connection = self._idle.pop()
            if not connection.closed and now - connection.idle_since < self._keepalive_expiry:
                return connection, True
            connection.close()
        loop = asyncio.get_running_loop()
        _, connection = await loop.create_connection(
            _Connection,
            self._host,
            self._port,
            ssl=self._ssl,
            server_hostname=self._host if self._ssl else None,
        )
        return connection, False

    def _release(self, connection: _Connection) -> None:
        if self._closed or connection.closed or not connection.keep_alive:
            connection.close()
            return
        connection.idle_since = time.monotonic()
        self._idle.append(connection)

    @property
    def idle_connections(self) -> int:
        """Open connections waiting for the next request."""
        return sum(1 for connection in self._idle if not connection.closed)

    async def aclose(self) -> None:
        """Closes every idle connection; busy ones close when their request ends."""
        self._closed = True
        while self._idle:
            self._idle.pop().close()


def _header_lines(headers: dict[str, str] | None) -> bytes:
    """Extra request headers; CR or LF in a name or value would split the request."""
    if not headers:
        return b""
    lines = []
    for name, value in headers.items():
        if any(c in name or c in value for c in "\r\n") or ":" in name:
            raise ValueError(f"invalid header for a subgraph request: {name!r}")
        lines.append(f"{name}: {value}\r\n")
    return "".join(lines).encode("latin-1")
