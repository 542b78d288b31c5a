"""The main chat flows through the router with real access tokens (identity and @auth on)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from router.config import RouterConfig
from router.http.command import yaml_transports
from router.http.runtime import build_router
from router.supergraph_config import SupergraphConfig
from shared.auth.tokens import issue_access_token
from shared.identity import Identity
from tests.shared.conftest import valkey
from tests.subgraphs.core.chats_support import (
    CHATS,
    DELETE_CHAT,
    MESSAGES,
    REVOKE,
    SEND,
    SHARE,
    SHARED,
    Chats,
    chats,
)
from tests.support.identity import signing_keys

__all__ = ["chats", "valkey"]

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
async def router_http(chats: Chats) -> AsyncIterator[httpx.AsyncClient]:
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


async def call(
    http: httpx.AsyncClient, who: Identity | None, query: str, **variables: Any
) -> dict[str, Any]:
    """One operation through the router, with a fresh access token for `who`."""
    headers = {}
    if who is not None:
        token = issue_access_token(who, keys=signing_keys())
        headers["authorization"] = f"Bearer {token}"
    response = await http.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    body: dict[str, Any] = response.json()
    return body


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors") or []]


async def test_send_list_read_share_revoke_and_delete_through_the_router(
    chats: Chats, router_http: httpx.AsyncClient
) -> None:
    alice = await chats.new_user()
    sent = (await call(router_http, alice, SEND, input={"text": "Router hello"}))["data"]
    chat_id = sent["sendMessage"]["chatId"]
    await call(router_http, alice, SEND, input={"text": "Router again", "chatId": chat_id})
    listed = (await call(router_http, alice, CHATS))["data"]["chats"]["chats"]
    assert listed == [{"id": chat_id, "title": "Router hello"}]
    page = (await call(router_http, alice, MESSAGES, chatId=chat_id))["data"]["chatMessages"]
    assert [m["text"] for m in page["messages"]] == ["Router again", "Router hello"]
    link = (await call(router_http, alice, SHARE, c=chat_id))["data"]["shareChat"]
    token, key = urlsplit(link).path.rsplit("/", 1)[1], urlsplit(link).fragment
    shared = await call(router_http, None, SHARED, t=token, k=key)
    assert shared["data"]["sharedChat"]["title"] == "Router hello"
    assert codes(await call(router_http, alice, REVOKE, c=chat_id)) == []
    assert codes(await call(router_http, None, SHARED, t=token, k=key)) == ["NOT_FOUND"]
    assert codes(await call(router_http, alice, DELETE_CHAT, c=chat_id)) == []
    assert (await call(router_http, alice, CHATS))["data"]["chats"]["chats"] == []


async def test_router_keeps_owners_apart_and_refuses_anonymous_callers(
    chats: Chats, router_http: httpx.AsyncClient
) -> None:
    alice, bob = await chats.new_user(), await chats.new_user()
    sent = (await call(router_http, alice, SEND, input={"text": "Alice only"}))["data"]
    chat_id = sent["sendMessage"]["chatId"]
    body = await call(router_http, bob, MESSAGES, chatId=chat_id)
    assert codes(body) == ["NOT_FOUND"] and "Alice" not in str(body)
    assert codes(await call(router_http, bob, DELETE_CHAT, c=chat_id)) == ["NOT_FOUND"]
    assert (await call(router_http, bob, CHATS))["data"]["chats"]["chats"] == []
    assert codes(await call(router_http, None, CHATS)) == ["UNAUTHENTICATED"]
    assert codes(await call(router_http, None, SEND, input={"text": "x"})) == ["UNAUTHENTICATED"]
