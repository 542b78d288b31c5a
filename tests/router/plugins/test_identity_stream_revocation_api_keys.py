"""An API key's subscriptions end when the key is revoked or its owner disabled (real Directus).

Keys are made and revoked through core's own mutations; the router resolves them in the
same Directus, and hears revocations over the same Valkey.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from shared.auth.revocation import revoke_user
from shared.directus.client import DirectusClient
from shared.directus.runtime import DirectusServer
from subgraphs.core.app import app as core_app
from subgraphs.core.service import CoreService, use_service
from tests.router.plugins.stream_revocation_support import (
    DB,
    serve_ticker_router,
    sse_subscriber,
    unauthenticated_reason,
    ws_subscriber,
)
from tests.shared.conftest import ValkeyServer
from tests.subgraphs.core.conftest import core_settings
from tests.support.directus import (  # noqa: F401 (fixtures)
    directus_template,
    platform_directus,
    start_empty_directus,
)
from tests.support.identity import internal_headers, user_identity
from tests.support.servers import UvicornThread
from tests.support.waiting import eventually

Serve = Callable[[Any], UvicornThread]
CREATE = (
    "mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { key apiKey { id } } }"
)
REVOKE = "mutation($id: ID!) { revokeApiKey(id: $id) }"


@pytest.fixture
async def owner(
    platform_directus: DirectusServer,  # noqa: F811
    edge_valkey: ValkeyServer,
    directus: DirectusClient,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[str]:
    """A real user of core (on the test Directus and Valkey); the router reads the same."""
    monkeypatch.setenv("MATEWAY_DIRECTUS_URL", platform_directus.url)
    monkeypatch.setenv("MATEWAY_DIRECTUS_TOKEN", platform_directus.platform_token)
    service = CoreService(core_settings(platform_directus, redis_url=edge_valkey.url(DB)))
    use_service(service)
    user = await directus.create_user({"platform_role": "user", "status": "active"})
    yield str(user["id"])
    use_service(None)
    await service.aclose()
    await directus.delete_user(user["id"])


async def _core(query: str, user_id: str, **variables: Any) -> dict[str, Any]:
    transport = httpx.ASGITransport(app=core_app)
    headers = internal_headers(user_identity(user_id))
    async with httpx.AsyncClient(transport=transport, base_url="http://core") as client:
        body = {"query": query, "variables": variables}
        answer: dict[str, Any] = (await client.post("/graphql", json=body, headers=headers)).json()
    assert "errors" not in answer, answer
    return answer


async def _new_key(user_id: str) -> tuple[str, str]:
    made = await _core(CREATE, user_id, input={"name": "bot", "scopes": ["chats:read"]})
    return made["data"]["createApiKey"]["key"], made["data"]["createApiKey"]["apiKey"]["id"]


async def test_revoked_api_key_ends_its_subscriptions_and_not_the_owners_other_key(
    serve_asgi: Serve, edge_valkey: ValkeyServer, owner: str
) -> None:
    router = await serve_ticker_router(serve_asgi, edge_valkey)
    (key, key_id), (other, _) = await _new_key(owner), await _new_key(owner)
    async with (
        ws_subscriber(router.url, key) as ws,
        sse_subscriber(router.url, key) as sse,
        ws_subscriber(router.url, other) as kept,
    ):
        await ws.subscribe()
        await kept.subscribe()
        await ws.tick()
        await kept.tick()
        assert (await sse.next_event())[0] == "next"
        await _core(REVOKE, owner, id=key_id)  # core announces the revocation
        ws_ending = await ws.until_ended()
        sse_ending = await sse.until_ended()
        ticks = [await kept.tick() for _ in range(5)]
    assert unauthenticated_reason(ws_ending[0]["payload"]["errors"]) == "revoked"
    assert unauthenticated_reason(sse_ending[0][1]["errors"]) == "revoked"
    assert all(tick.endswith(owner) for tick in ticks)


async def test_owner_revocation_ends_a_key_subscription_only_when_the_key_stops_resolving(
    serve_asgi: Serve,
    edge_valkey: ValkeyServer,
    owner: str,
    directus: DirectusClient,
    revocations_redis: Redis,
) -> None:
    router = await serve_ticker_router(serve_asgi, edge_valkey)
    key, _ = await _new_key(owner)
    async with ws_subscriber(router.url, key) as ws:
        await ws.subscribe()
        await ws.tick()
        # A password change: the owner's sessions end, the key is read again and still works.
        await revoke_user(revocations_redis, owner)
        ticks = [await ws.tick() for _ in range(8)]
        assert router.edge.streams.ended == 0
        lookups = router.edge.lookup.lookups
        # Disabled: the key no longer resolves, so its subscription ends.
        await directus.update_user(owner, {"status": "suspended"})
        await revoke_user(revocations_redis, owner)
        ending = await ws.until_ended()
    assert len(ticks) == 8 and lookups >= 2  # the first revocation re-read the key
    assert unauthenticated_reason(ending[0]["payload"]["errors"]) == "revoked"
    await eventually(lambda: router.edge.streams.watching == 0)
