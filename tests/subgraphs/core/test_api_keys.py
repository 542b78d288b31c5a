"""API keys in core (real Directus, Valkey) and at the router: create, list, revoke, use."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest

from router.plugins._api_key_lookup import ApiKeyLookup
from shared.auth.api_keys import hash_api_key, parse_api_key
from shared.directus.client import DirectusClient
from shared.directus.runtime import DirectusServer
from shared.identity import CallerKind, Identity, Role
from subgraphs.core.app import app as core_app
from subgraphs.core.service import CoreService, use_service
from tests.router.plugins.identity_fixtures.whoami.app import app as whoami_app
from tests.router.plugins.identity_support import claims_of, identity_router, whoami
from tests.shared.conftest import ValkeyServer, valkey
from tests.subgraphs.core.conftest import core_settings
from tests.support.identity import internal_headers, signing_keys, user_identity

__all__ = ["valkey"]

CREATE = """mutation($input: CreateApiKeyInput!) {
  createApiKey(input: $input) { key apiKey { id name prefix scopes createdAt lastUsedAt } }
}"""
LIST = "{ apiKeys { id name prefix scopes createdAt lastUsedAt } }"
REVOKE = "mutation($id: ID!) { revokeApiKey(id: $id) }"


@pytest.fixture
async def core(platform_directus: DirectusServer, valkey: ValkeyServer) -> AsyncIterator[None]:
    """The core app on the test Directus and Valkey."""
    service = CoreService(core_settings(platform_directus, redis_url=valkey.url(4)))
    use_service(service)
    yield
    use_service(None)
    await service.aclose()


@pytest.fixture
async def users(directus: DirectusClient) -> AsyncIterator[tuple[Identity, Identity]]:
    """Two signed-in users (real Directus users) and an installed app `pdfkit`."""
    made = [
        await directus.create_user({"platform_role": role, "status": "active"})
        for role in ("user", "admin")
    ]
    app = await directus.create_item("apps", {"name": f"pdfkit{secrets.token_hex(3)}"})
    yield user_identity(made[0]["id"]), user_identity(made[1]["id"], Role.ADMIN)
    for user in made:
        await directus.delete_user(user["id"])
    await directus.delete_item("apps", app["id"])


async def _core(query: str, identity: Identity | None, **variables: Any) -> dict[str, Any]:
    transport = httpx.ASGITransport(app=core_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://core") as client:
        body = {"query": query, "variables": variables}
        response = await client.post("/graphql", json=body, headers=internal_headers(identity))
    answer: dict[str, Any] = response.json()
    return answer


def _code(answer: dict[str, Any]) -> str:
    return str(answer["errors"][0]["extensions"]["code"])


async def _create(identity: Identity, name: str, scopes: list[str]) -> dict[str, Any]:
    answer = await _core(CREATE, identity, input={"name": name, "scopes": scopes})
    assert "errors" not in answer, answer
    created: dict[str, Any] = answer["data"]["createApiKey"]
    return created


async def test_created_key_is_shown_once_and_only_its_keyed_hash_is_stored(
    core: None, users: tuple[Identity, Identity], directus: DirectusClient
) -> None:
    alice, _ = users
    created = await _create(alice, "ci bot", ["chats:read"])
    key, listed = created["key"], created["apiKey"]
    assert parse_api_key(key) == listed["prefix"] and key.startswith(f"mw_{listed['prefix']}_")
    row = (await directus.read_items("api_keys", filter={"id": {"_eq": listed["id"]}}))[0]
    assert row["key_hash"] == hash_api_key(key, signing_keys())
    assert key.split("_")[2] not in orjson.dumps(row).decode()
    listing = (await _core(LIST, alice))["data"]["apiKeys"]
    assert listing == [listed]
    assert listed["name"] == "ci bot" and listed["scopes"] == ["chats:read"]
    assert listed["createdAt"] and listed["lastUsedAt"] is None
    assert key not in orjson.dumps(listing).decode()


async def test_scopes_are_checked_against_platform_scopes_and_installed_apps(
    core: None, users: tuple[Identity, Identity], directus: DirectusClient
) -> None:
    alice, _ = users
    (app,) = await directus.read_items("apps", sort=["-date_created"], fields=["name"], limit=1)
    ok = await _create(alice, "skills", [f"skills:{app['name']}", "chats:write"])
    assert sorted(ok["apiKey"]["scopes"]) == sorted([f"skills:{app['name']}", "chats:write"])
    refused = await _core(CREATE, alice, input={"name": "x", "scopes": ["skills:nope", "root"]})
    assert _code(refused) == "BAD_USER_INPUT"
    assert refused["errors"][0]["extensions"]["scopes"] == ["root", "skills:nope"]


async def test_keys_of_another_user_are_not_listed_and_not_found_on_revoke(
    core: None, users: tuple[Identity, Identity]
) -> None:
    alice, bob = users
    alices = await _create(alice, "mine", [])
    assert (await _core(LIST, bob))["data"]["apiKeys"] == []
    stolen = await _core(REVOKE, bob, id=alices["apiKey"]["id"])
    assert _code(stolen) == "NOT_FOUND"
    unknown = await _core(REVOKE, bob, id="not-a-uuid")
    assert _code(unknown) == "NOT_FOUND"
    assert len((await _core(LIST, alice))["data"]["apiKeys"]) == 1


async def test_revoked_key_leaves_the_list_and_cannot_be_revoked_twice(
    core: None, users: tuple[Identity, Identity], directus: DirectusClient
) -> None:
    alice, _ = users
    created = await _create(alice, "old", [])
    key_id = created["apiKey"]["id"]
    assert (await _core(REVOKE, alice, id=key_id))["data"]["revokeApiKey"] is True
    assert (await _core(LIST, alice))["data"]["apiKeys"] == []
    assert _code(await _core(REVOKE, alice, id=key_id)) == "NOT_FOUND"
    (row,) = await directus.read_items("api_keys", filter={"id": {"_eq": key_id}})
    assert row["revoked_at"]


async def test_only_signed_in_sessions_manage_keys(
    core: None, users: tuple[Identity, Identity]
) -> None:
    alice, _ = users
    key_caller = Identity(
        kind=CallerKind.API_KEY,
        role=Role.USER,
        user_id=alice.user_id,
        api_key_id="k",
    )
    for caller, code in ((Identity.anonymous(), "UNAUTHENTICATED"), (key_caller, "FORBIDDEN")):
        assert _code(await _core(LIST, caller)) == code
        answer = await _core(CREATE, caller, input={"name": "x", "scopes": []})
        assert _code(answer) == code
        assert _code(await _core(REVOKE, caller, id="00000000-0000-0000-0000-000000000000")) == code


async def test_router_resolves_a_key_caps_its_role_and_refuses_it_once_revoked(
    core: None,
    users: tuple[Identity, Identity],
    platform_directus: DirectusServer,
    valkey: ValkeyServer,
    monkeypatch: pytest.MonkeyPatch,
    directus: DirectusClient,
) -> None:
    _, admin = users
    monkeypatch.setenv("MATEWAY_DIRECTUS_URL", platform_directus.url)
    monkeypatch.setenv("MATEWAY_DIRECTUS_TOKEN", platform_directus.platform_token)
    created = await _create(admin, "bot", ["chats:read"])
    key, key_id = created["key"], created["apiKey"]["id"]
    apps = {"core": core_app, "whoami": whoami_app}
    async with identity_router(apps, {"redis_url": valkey.url(4)}) as (_, edge, client):
        first = claims_of(await whoami(client, key))
        for _ in range(3):
            assert (await whoami(client, key)).status_code == 200
        lookups = edge.lookup.lookups
        await edge.lookup.drain()
        revoked = await _core(REVOKE, admin, id=key_id)
        refused = await whoami(client, key)
        unknown = await whoami(client, key[:-4] + "AAAA")
    assert first == {
        "kind": "api_key",
        "role": "user",  # an admin's key is capped at user
        "sub": admin.user_id,
        "kid_api": key_id,
        "scopes": ["chats:read"],
    }
    assert lookups == 1  # one Directus lookup for four requests
    assert revoked["data"]["revokeApiKey"] is True
    assert refused.status_code == 401
    assert refused.json()["errors"][0]["extensions"]["reason"] == "unknown_api_key"
    assert unknown.status_code == 401
    (row,) = await directus.read_items("api_keys", filter={"id": {"_eq": key_id}})
    assert row["last_used_at"]  # written once, in the background


async def test_lookup_runs_once_for_concurrent_requests_and_touches_once_a_minute() -> None:
    calls: list[str] = []
    touched: list[str] = []

    async def fetch(key_hash: str) -> dict[str, Any]:
        calls.append(key_hash)
        await asyncio.sleep(0.05)
        user = {"id": "u1", "platform_role": "user", "status": "active"}
        return {"id": "k1", "scopes": ["chats:read"], "revoked_at": None, "user": user}

    async def touch(key_id: str, when: str) -> None:
        touched.append(key_id)

    lookup = ApiKeyLookup(signing_keys(), fetch, touch)
    key = "mw_abcdefgh_" + "A" * 43
    identities = await asyncio.gather(*(lookup.resolve(key) for _ in range(10)))
    await lookup.resolve(key)
    await lookup.drain()
    assert len(calls) == 1 and touched == ["k1"]
    assert {i.api_key_id for i in identities} == {"k1"}
    lookup.invalidate("apikey:k1")
    await lookup.resolve(key)
    assert len(calls) == 2
