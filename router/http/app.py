"""The router's ASGI app: plain ASGI (no framework on the hot path).

Routes: ``/graphql`` (POST JSON, GET query string for queries, GraphiQL for
browsers, graphql-sse with ``Accept: text/event-stream``, graphql-transport-ws
over WebSocket), ``/health``, ``/metrics`` and the GraphiQL assets.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import orjson

from router.config import RouterConfig
from router.http import graphiql
from router.http.graphql_http import (
    EVENT_STREAM,
    GRAPHQL_RESPONSE_JSON,
    HTML,
    JSON,
    negotiate,
    request_from_body,
    request_from_query_string,
    response_status,
)
from router.http.health import check_health, load_dependency_checks
from router.http.metrics import CONTENT_TYPE_LATEST, RouterMetrics
from router.http.multipart import (
    UPLOADS_STATE,
    install_upload_guard,
    is_multipart,
    read_multipart_request,
)
from router.pipeline import GraphQLRequest, Pipeline, RequestContext, RequestError
from router.subscriptions.ending import ENDER, StreamEnder
from router.subscriptions.sse import stream_sse
from router.subscriptions.stream import SubscriptionEngine
from router.subscriptions.transport_ws import TransportWsSession
from router.transports import SubgraphTransport
from shared.health import HealthCheck

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Callback = Callable[[], Awaitable[None]]

GRAPHQL_PATH = "/graphql"


class ClientDisconnected(Exception):
    """The client went away before sending its whole request."""


class RouterApp:
    """The ASGI application of one router (one supergraph, one set of subgraphs)."""

    def __init__(
        self,
        pipeline: Pipeline,
        engine: SubscriptionEngine,
        config: RouterConfig,
        metrics: RouterMetrics,
        transports: Mapping[str, SubgraphTransport],
        on_startup: list[Callback] | None = None,
        on_shutdown: list[Callback] | None = None,
        dependency_checks: Mapping[str, HealthCheck] | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.engine = engine
        self.config = config
        self.metrics = metrics
        self.transports = transports
        self.on_startup = on_startup or []
        self.on_shutdown = on_shutdown or []
        install_upload_guard(pipeline)
        # Named dependency checks /health runs besides the subgraphs: given, or from config.
        self.dependency_checks: dict[str, HealthCheck] = (
            dict(dependency_checks)
            if dependency_checks is not None
            else load_dependency_checks(config.health_checks)
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "websocket":
            await self._websocket(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"]
        method = scope["method"]
        if self.pipeline.http_filters:
            # Plugins' HTTP-level parts (CORS) may answer first (preflight) and add headers.
            headers = _headers(scope)
            extra: dict[str, str] = {}
            for http_filter in self.pipeline.http_filters:
                answer = http_filter.answer(method, path, headers)
                if answer is not None:
                    status, answer_headers = answer
                    encoded = [(k.encode(), v.encode()) for k, v in answer_headers.items()]
                    await _send(send, status, b"", b"text/plain; charset=utf-8", encoded)
                    return
                extra.update(http_filter.response_headers(method, path, headers))
            send = _adding_headers(send, extra) if extra else send
        if path == GRAPHQL_PATH:
            if method in ("GET", "POST"):
                await self._graphql(scope, receive, send)
            else:
                await _send_json(send, 405, _errors("Use GET or POST"), [(b"allow", b"GET, POST")])
        elif method != "GET":
            await _send_json(send, 405, _errors("Method not allowed"), [(b"allow", b"GET")])
        elif path == "/health":
            status, body = await check_health(
                self.transports, self.config.health_timeout_seconds, self.dependency_checks
            )
            await _send_json(send, status, body)
        elif path == "/metrics":
            exposition = self.metrics.exposition()
            await _send(send, 200, exposition, CONTENT_TYPE_LATEST.encode())
        elif path.startswith(graphiql.ASSET_PREFIX) and self.config.graphiql_enabled:
            found = graphiql.asset(path.removeprefix(graphiql.ASSET_PREFIX))
            if found is None:
                await _send_json(send, 404, _errors("Not found"))
            else:
                content, content_type = found
                cache = [(b"cache-control", b"public, max-age=86400")]
                await _send(send, 200, content, content_type.encode(), cache)
        else:
            await _send_json(send, 404, _errors("Not found"))

    async def _graphql(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = _headers(scope)
        media = negotiate(headers.get("accept"))
        if media == HTML:
            if self.config.graphiql_enabled and scope["method"] == "GET":
                await _send(send, 200, graphiql.GRAPHIQL_HTML, b"text/html; charset=utf-8")
                return
            media = JSON
        if media is None:
            message = f"Cannot answer with any of: {headers.get('accept')}"
            await _send_json(send, 406, _errors(message))
            return
        try:
            request, has_files = await self._read_request(scope, receive, headers)
        except ClientDisconnected:
            return
        except RequestError as error:
            await self._respond(send, media, {"errors": error.errors}, error)
            return
        client = scope.get("client")
        ctx = RequestContext(
            request,
            method=scope["method"],
            headers=headers,
            client_ip=client[0] if client else None,
        )
        if has_files:
            ctx.state[UPLOADS_STATE] = True
        if media == EVENT_STREAM:
            await self._event_stream(ctx, receive, send)
            return
        await self.pipeline.run(ctx)
        ended_by = ctx.state.get("request_error")
        await self._respond(send, media, ctx.response or {}, ended_by, ctx.response_headers)

    async def _read_request(
        self, scope: Scope, receive: Receive, headers: dict[str, str]
    ) -> tuple[GraphQLRequest, bool]:
        """The request, and whether it carries uploaded files (multipart requests only)."""
        if scope["method"] == "GET":
            return request_from_query_string(scope.get("query_string", b"")), False
        content_type = headers.get("content-type", "")
        if is_multipart(content_type):
            # The GraphQL multipart request spec (uploads): its own streaming reader and limits.
            declared = headers.get("content-length")
            return await read_multipart_request(
                receive,
                content_type,
                self.config.uploads,
                ClientDisconnected,
                int(declared) if declared and declared.isdigit() else None,
            )
        body = await _read_body(receive, headers, self.config.max_body_bytes)
        return request_from_body(body, content_type), False

    async def _respond(
        self,
        send: Send,
        media: str,
        body: dict[str, Any],
        error: RequestError | None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        status = response_status(error, media)
        content_type = (GRAPHQL_RESPONSE_JSON if media == GRAPHQL_RESPONSE_JSON else JSON).encode()
        extra = [(b"allow", b"POST")] if status == 405 else []
        extra += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
        await _send(send, status, orjson.dumps(body), content_type + b"; charset=utf-8", extra)

    async def _event_stream(self, ctx: RequestContext, receive: Receive, send: Send) -> None:
        """graphql-sse: request errors as a JSON 400, otherwise a stream of events."""
        # Plugins may end the stream from outside (a revoked caller): see stream_sse.
        ender = ctx.state[ENDER] = StreamEnder()
        try:
            try:
                await self.engine.prepare(ctx)
            except RequestError as error:
                status = error.status if error.status != 200 else 400
                headers = error.headers.items()
                extra = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers]
                await _send_json(send, status, {"errors": error.errors}, extra)
                return
            await stream_sse(
                self.engine,
                ctx,
                receive,
                send,
                self.config.subscriptions.sse_keepalive_seconds,
                self.metrics.observe_subscription,
            )
        finally:
            ender.finish()

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["path"] != GRAPHQL_PATH:
            await receive()
            await send({"type": "websocket.close", "code": 1008})
            return
        session = TransportWsSession(
            self.engine,
            scope,
            receive,
            send,
            self.config.subscriptions.init_timeout_seconds,
            self.metrics.observe_subscription,
            self.config.subscriptions.max_operations_per_connection,
        )
        await session.run()

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    for callback in self.on_startup:
                        await callback()
                except Exception as error:
                    await send({"type": "lifespan.startup.failed", "message": str(error)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def aclose(self) -> None:
        """Closes every subgraph client and runs the shutdown callbacks."""
        for transport in self.transports.values():
            with contextlib.suppress(Exception):
                await transport.aclose()
        for callback in [*self.on_shutdown, *self.pipeline.on_shutdown]:
            with contextlib.suppress(Exception):
                await callback()


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}


async def _read_body(receive: Receive, headers: dict[str, str], limit: int) -> bytes:
    """The request body; 413 as soon as it is known to exceed ``limit`` bytes."""
    too_large = RequestError(f"Request body exceeds {limit} bytes", 413, well_formed=False)
    declared = headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnected
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _adding_headers(send: Send, extra: Mapping[str, str]) -> Send:
    """``send`` that adds ``extra`` headers to the response start."""
    encoded = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in extra.items()]

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *encoded]}
        await send(message)

    return wrapped


def _errors(message: str) -> dict[str, Any]:
    return {"errors": [{"message": message}]}


async def _send_json(
    send: Send, status: int, body: dict[str, Any], extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    await _send(send, status, orjson.dumps(body), b"application/json; charset=utf-8", extra)


async def _send(
    send: Send,
    status: int,
    body: bytes,
    content_type: bytes,
    extra: list[tuple[bytes, bytes]] | None = None,
) -> None:
    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    if extra:
        headers.extend(extra)
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
