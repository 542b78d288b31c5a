"""The core subgraph: invite checks and User/Chat entities on a real Directus."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from graphql import GraphQLObjectType, get_named_type

from shared.directus.client import DirectusClient
from shared.directus.runtime import DirectusServer
from shared.errors import ErrorCode
from shared.identity import Identity
from subgraphs.core.app import app
from subgraphs.core.invites import InviteStore, generate_code, utc_now
from subgraphs.core.schema import schema
from subgraphs.core.service import CoreService, use_service
from subgraphs.core.settings import CoreSettings
from tests.subgraphs.core.conftest import INVITE_KEY, core_settings
from tests.support.identity import internal_headers, user_identity
from tests.support.ports import free_port

CHECK = "query($t: String!) { checkInviteTokenValid(token: $t) }"
ENTITIES = (
    "query($r: [_Any!]!) { _entities(representations: $r) "
    "{ __typename ... on User { id } ... on Chat { id } } }"
)


async def _post(
    path: str, body: dict[str, Any] | None = None, identity: Identity | None = None
) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://core") as client:
        if body is None:
            return await client.get(path)
        return await client.post(path, json=body, headers=internal_headers(identity))


async def _check(token: str) -> dict[str, Any]:
    response = await _post("/graphql", {"query": CHECK, "variables": {"t": token}})
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


async def test_invite_check_answers_true_only_for_a_usable_code(
    core_service: CoreService, invites: InviteStore, no_admins_nor_invites: DirectusClient
) -> None:
    good, _ = await invites.create()
    used, used_row = await invites.create()
    await no_admins_nor_invites.update_item("invite_codes", used_row["id"], {"uses": 1})
    expired, _ = await invites.create(expires_at=utc_now() - timedelta(minutes=1))
    assert await _check(good) == {"data": {"checkInviteTokenValid": True}}
    assert await _check(good.lower().replace("-", " ")) == {"data": {"checkInviteTokenValid": True}}
    # Unknown, used and expired codes get the very same answer.
    for token in (generate_code(), used, expired, ""):
        assert await _check(token) == {"data": {"checkInviteTokenValid": False}}


async def test_invite_check_without_a_key_is_unavailable(
    platform_directus: DirectusServer,
) -> None:
    service = CoreService(core_settings(platform_directus, invite_hash_key=None))
    use_service(service)
    try:
        body = await _check(generate_code())
    finally:
        use_service(None)
        await service.aclose()
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == ErrorCode.UNAVAILABLE.value


class CountingTransport(httpx.AsyncHTTPTransport):
    def __init__(self) -> None:
        super().__init__()
        self.paths: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        return await super().handle_async_request(request)


async def test_entities_resolve_through_one_batched_request_per_collection(
    platform_directus: DirectusServer, directus: DirectusClient
) -> None:
    users = [
        await directus.create_user({"email": f"u-{uuid.uuid4().hex[:8]}@example.com"})
        for _ in range(3)
    ]
    chat = await directus.create_item("chats", {"owner": users[0]["id"], "wrapped_key": "k"})
    counting = CountingTransport()
    service = CoreService(core_settings(platform_directus), transport=counting)
    use_service(service)
    unknown = str(uuid.uuid4())
    representations = [
        *({"__typename": "User", "id": user["id"]} for user in users),
        {"__typename": "User", "id": unknown},
        {"__typename": "Chat", "id": chat["id"]},
        {"__typename": "Chat", "id": unknown},
    ]
    # Chats resolve for their owner only (tests/subgraphs/core/test_chats_protection.py).
    owner = user_identity(str(users[0]["id"]))
    body = {"query": ENTITIES, "variables": {"r": representations}}
    try:
        response = await _post("/graphql", body, owner)
    finally:
        use_service(None)
        await service.aclose()
        for user in users:
            await directus.delete_user(user["id"])  # cascades to the chat
    assert response.json()["data"]["_entities"] == [
        *({"__typename": "User", "id": user["id"]} for user in users),
        None,
        {"__typename": "Chat", "id": chat["id"]},
        None,
    ]
    assert sorted(counting.paths) == ["/items/chats", "/users"]


# Root fields that return a Chat: the owner's own chat, NOT_FOUND for anyone else (checked on a
# real Directus in tests/subgraphs/core/test_chats_protection.py).
OWNER_CHAT_FIELDS = {"chat", "renameChat"}


def test_no_root_field_returns_users_or_chats() -> None:
    query, mutation = schema._schema.query_type, schema._schema.mutation_type
    assert query is not None and mutation is not None
    fields = [*query.fields.items(), *mutation.fields.items()]
    assert len(fields) > 10
    for name, field in fields:
        if name == "_entities" or name in OWNER_CHAT_FIELDS:
            continue  # federation's entity lookup, never part of the public API
        named = get_named_type(field.type)
        assert not (isinstance(named, GraphQLObjectType) and named.name in ("User", "Chat")), name


def test_entities_expose_no_field_beyond_their_key() -> None:
    # A chat's fields are its owner's only (NOT_FOUND or null for anyone else); reviewed here.
    expected = {"User": ["id"], "Chat": ["id", "title", "mateId", "createdAt"]}
    for name, fields in expected.items():
        entity = schema._schema.get_type(name)
        assert isinstance(entity, GraphQLObjectType)
        assert list(entity.fields) == fields


async def test_health_names_directus_when_it_is_down(
    core_service: CoreService, platform_directus: DirectusServer
) -> None:
    assert (await _post("/health")).status_code == 200
    dead = f"http://127.0.0.1:{free_port()}"
    down = CoreService(core_settings(platform_directus, directus_url=dead))
    use_service(down)
    try:
        response = await _post("/health")
    finally:
        use_service(None)
        await down.aclose()
    assert response.status_code == 503
    assert response.json()["down"] == ["directus"]


async def test_unconfigured_directus_is_unavailable_and_named_in_health(tmp_path: Path) -> None:
    settings = CoreSettings(
        directus_token=None, directus_data_dir=tmp_path, invite_hash_key=INVITE_KEY
    )
    use_service(CoreService(settings))
    try:
        body = await _check(generate_code())
        health = await _post("/health")
    finally:
        use_service(None)
    assert body["errors"][0]["extensions"]["code"] == ErrorCode.UNAVAILABLE.value
    assert body["errors"][0]["message"] == "The database is not available"
    assert health.status_code == 503
    assert "MATEWAY_DIRECTUS_TOKEN" in health.json()["checks"]["directus"]["error"]
