"""Mates and collections through the router with real access tokens: the router joins the
chats and users of core with the mates and collections of mates, and keeps owners apart."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from router.config import RouterConfig
from router.http.command import yaml_transports
from router.http.runtime import build_router
from router.supergraph_config import SupergraphConfig
from shared.auth.tokens import issue_access_token
from shared.identity import Identity
from subgraphs.mates.runtime import MatesRuntime
from tests.shared.conftest import valkey
from tests.subgraphs.core.chats_support import Chats, chats
from tests.support.identity import signing_keys

__all__ = ["chats", "valkey"]

ROOT = Path(__file__).resolve().parents[3]
SEND = "mutation($t: String!) { sendMessage(input: {text: $t}) { chatId } }"
CHAT = "query($id: ID!) { chat(id: $id) { id title createdAt } }"
CREATE_MATE = """mutation { createMate(input: {name: "Gus", systemPrompt: "You plan trips.",
  avatarColour: "#112233"}) { id } }"""
CREATE_COLLECTION = "mutation($n: String!) { createCollection(name: $n) { id } }"
ADD = """mutation($c: ID!, $chat: ID!) {
  addChatToCollection(collectionId: $c, chatId: $chat) { id chats { id title } } }"""
PROFILE = """{ profile { id
  mates(first: 100) { nodes { name builtin } }
  collections { name chats { id title createdAt } } } }"""


@dataclass
class Client:
    """A user calling the router with an access token."""

    http: httpx.AsyncClient
    identity: Identity

    async def post(self, query: str, **variables: Any) -> dict[str, Any]:
        """The response body of one operation."""
        token = issue_access_token(self.identity, keys=signing_keys())
        response = await self.http.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"authorization": f"Bearer {token}"},
        )
        body: dict[str, Any] = response.json()
        return body

    async def ok(self, query: str, **variables: Any) -> Any:
        """The data of an operation that must succeed."""
        body = await self.post(query, **variables)
        assert "errors" not in body, body
        return body["data"]


@pytest.fixture
async def router_http(
    chats: Chats, mates_runtime: MatesRuntime
) -> AsyncIterator[httpx.AsyncClient]:
    """The committed supergraph behind a router with identity and @auth, apps in-process."""
    plugins = {"identity": {"revocation_feed": False}, "auth": {}}
    config = RouterConfig(mode="development", plugins=plugins)
    supergraph = SupergraphConfig.load(ROOT / "supergraph" / "supergraph.yaml")
    sdl = (ROOT / "supergraph" / "supergraph.graphql").read_text()
    router = build_router(sdl, config, yaml_transports(supergraph, config))
    try:
        transport = httpx.ASGITransport(app=router)
        async with httpx.AsyncClient(transport=transport, base_url="http://router") as http:
            yield http
    finally:
        await router.aclose()


async def test_profile_joins_core_chats_into_mates_collections(
    chats: Chats, router_http: httpx.AsyncClient
) -> None:
    alice = Client(router_http, await chats.new_user())
    chat_id = (await alice.ok(SEND, t="Plan a week in Lisbon"))["sendMessage"]["chatId"]
    in_core = (await alice.ok(CHAT, id=chat_id))["chat"]
    assert in_core["title"]
    await alice.ok(CREATE_MATE)
    collection = (await alice.ok(CREATE_COLLECTION, n="Travel"))["createCollection"]
    added = (await alice.ok(ADD, c=collection["id"], chat=chat_id))["addChatToCollection"]
    assert added["chats"] == [{"id": chat_id, "title": in_core["title"]}]
    profile = (await alice.ok(PROFILE))["profile"]
    assert profile["id"] == alice.identity.user_id
    assert [m["name"] for m in profile["mates"]["nodes"] if not m["builtin"]] == ["Gus"]
    assert profile["collections"] == [{"name": "Travel", "chats": [in_core]}]


async def test_another_user_cannot_file_or_see_my_chat_through_the_router(
    chats: Chats, router_http: httpx.AsyncClient
) -> None:
    alice = Client(router_http, await chats.new_user())
    bob = Client(router_http, await chats.new_user())
    chat_id = (await alice.ok(SEND, t="Private plans"))["sendMessage"]["chatId"]
    bobs = (await bob.ok(CREATE_COLLECTION, n="Loot"))["createCollection"]
    refused = await bob.post(ADD, c=bobs["id"], chat=chat_id)
    assert [e["extensions"]["code"] for e in refused["errors"]] == ["NOT_FOUND"]
    profile = (await bob.ok(PROFILE))["profile"]
    assert profile["collections"] == [{"name": "Loot", "chats": []}]
    assert [m["name"] for m in profile["mates"]["nodes"] if not m["builtin"]] == []


async def test_anonymous_caller_is_refused_by_the_router(router_http: httpx.AsyncClient) -> None:
    response = await router_http.post("/graphql", json={"query": PROFILE})
    body = response.json()
    assert body["data"] is None or body["data"].get("profile") is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]
