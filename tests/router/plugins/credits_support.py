"""A test subgraph with @credits fields, and a router with plugins.credits in front of it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any

import httpx
import strawberry
from httpx_ws import AsyncWebSocketSession, aconnect_ws
from httpx_ws.transport import ASGIWebSocketTransport
from strawberry.asgi import GraphQL

from router.composition import SubgraphSchema, compose
from router.config import RouterConfig
from router.http.app import RouterApp
from router.http.runtime import build_router
from router.pipeline import Pipeline, RequestContext, Stage
from router.subscriptions.sockets import AsgiConnector
from shared.apps.directives import Credits as CreditsDirective
from shared.apps.directives import public, signed_in
from shared.credits import BalanceStore, Credits, Ledger
from shared.credits.report import CreditsReport, report_usage, request_id
from shared.directus.client import DirectusClient
from shared.errors import MatewaySchema
from shared.identity import CallerKind, Identity, Role
from shared.redis import create_redis
from tests.router.plugins.auth_identity import HEADER, parse_identity
from tests.router.plugins.auth_support import Call, recording_transports

IDENTITY_PLUGIN = "tests.router.plugins.credits_support"


def install(pipeline: Pipeline, settings: dict[str, Any]) -> None:
    """A stand-in identity plugin: auth_identity's callers, plus `apikey:<owner id>`."""

    async def identify(ctx: RequestContext) -> None:
        kind, _, owner = ctx.headers.get(HEADER, "").partition(":")
        if kind == "apikey":
            ctx.identity = Identity(
                kind=CallerKind.API_KEY, role=Role.USER, user_id=owner, api_key_id="key-1"
            )
        else:
            ctx.identity = parse_identity(ctx.headers.get(HEADER, ""))

    pipeline.hook(Stage.ROUTER_REQUEST, identify)


@dataclass
class Probe:
    """What the subgraph saw: calls of charged fields, request ids, open streams."""

    charges: int = 0
    request_ids: list[str | None] | None = None
    open_streams: int = 0
    closed_streams: int = 0


PROBE = Probe(request_ids=[])


@strawberry.type
class Query:
    @strawberry.field(directives=[public()])
    def free(self) -> int:
        return 1

    @strawberry.field(directives=[signed_in(), CreditsDirective(cost=5)])
    def priced(self) -> int:
        return 5


@strawberry.type
class Mutation:
    @strawberry.mutation(directives=[signed_in(), CreditsDirective(cost=10)])
    async def charge(
        self, info: strawberry.Info, used: int | None = None, fail: bool = False
    ) -> int:
        PROBE.charges += 1
        assert PROBE.request_ids is not None
        PROBE.request_ids.append(request_id(info))
        await asyncio.sleep(0)  # let concurrent requests interleave
        if used is not None:
            report_usage(info, used=used, tokens=used * 100)
        if fail:
            raise ValueError("the provider failed")
        return PROBE.charges


@strawberry.type
class Subscription:
    @strawberry.subscription(directives=[signed_in(), CreditsDirective(cost=10)])
    async def reply(
        self,
        info: strawberry.Info,
        count: int,
        used_each: int = 1,
        hold: bool = False,
        fail: bool = False,
    ) -> AsyncGenerator[int, None]:
        PROBE.open_streams += 1
        try:
            for index in range(1, count + 1):
                if used_each:
                    report_usage(info, used=index * used_each)
                yield index
            if fail:
                raise ValueError("the provider failed")
            if hold:
                await asyncio.Event().wait()  # until the client leaves (cancelled)
        finally:
            PROBE.closed_streams += 1


SCHEMA = MatewaySchema(
    query=Query, mutation=Mutation, subscription=Subscription, extensions=[CreditsReport]
)


def credits_app() -> GraphQL[None, None]:
    """The test subgraph's ASGI app."""
    return GraphQL(SCHEMA, graphql_ide=None)


@cache
def credits_supergraph() -> str:
    """The test subgraph composed alone."""
    source = SubgraphSchema("billing", "http://in-process.billing/graphql", SCHEMA.as_str())
    return compose([source]).supergraph_sdl


@dataclass
class CreditsRouter:
    """The router app, a client posting as a test caller, and the recorded subgraph calls."""

    app: RouterApp
    client: httpx.AsyncClient
    calls: list[Call]

    async def run(
        self, query: str, who: str, variables: dict[str, Any] | None = None
    ) -> tuple[int, dict[str, Any]]:
        """The status and body of `query` posted as `who`."""
        body: dict[str, Any] = {"query": query}
        if variables is not None:
            body["variables"] = variables
        response = await self.client.post("/graphql", json=body, headers={HEADER: who})
        result: dict[str, Any] = response.json()
        return response.status_code, result

    @asynccontextmanager
    async def websocket(self, who: str) -> AsyncIterator[AsyncWebSocketSession]:
        """A graphql-transport-ws connection as `who`, initialised."""
        transport = ASGIWebSocketTransport(self.app)
        async with (
            httpx.AsyncClient(
                transport=transport, base_url="http://router", headers={HEADER: who}
            ) as client,
            aconnect_ws("/graphql", client, subprotocols=["graphql-transport-ws"]) as ws,
        ):
            await ws.send_json({"type": "connection_init"})
            assert (await ws.receive_json(timeout=5))["type"] == "connection_ack"
            yield ws


@asynccontextmanager
async def credits_router(plugin: dict[str, Any]) -> AsyncIterator[CreditsRouter]:
    """The router with the test identity, plugins.credits (`plugin`) and plugins.auth."""
    calls: list[Call] = []
    app_ = credits_app()
    plugins = {"identity": {"enabled": False}, IDENTITY_PLUGIN: {}, "credits": plugin}
    config = RouterConfig(mode="development", plugins=plugins)
    connectors = {"billing": AsgiConnector(app_, "/graphql", 5.0)}
    transports = recording_transports({"billing": app_}, calls)
    app = build_router(credits_supergraph(), config, transports, connectors)
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://router") as client:
            yield CreditsRouter(app, client, calls)
    finally:
        await app.aclose()


@asynccontextmanager
async def ledger_credits(
    redis_url: str, directus: DirectusClient, flush: bool = True
) -> AsyncIterator[Credits]:
    """Credits on `redis_url` and the platform ledger; the database emptied first unless a
    Celery worker uses it as its broker (`flush=False`)."""
    redis = create_redis(redis_url)
    if flush:
        await redis.flushdb()
    try:
        yield Credits(BalanceStore(redis), Ledger(directus))
    finally:
        await redis.aclose()
