"""Fixtures for the chat tests: the core app on a real Directus, Valkey and a local keyring.

Operations run on the core schema with the context the subgraph's internal-token check
builds (`identity`); test_chats_router.py runs the main flows through the router instead.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from shared.crypto import ChatKeyManager, LocalKeyring
from shared.directus.client import DirectusClient
from shared.directus.runtime import DirectusServer
from shared.identity import Identity
from subgraphs.core.chats.keys import ChatSettings, use_chat_keys, use_chat_rows, use_chat_settings
from subgraphs.core.chats.rows import ChatRowCache
from subgraphs.core.schema import schema
from subgraphs.core.service import CoreService, use_service
from tests.shared.conftest import ValkeyServer
from tests.subgraphs.core.conftest import core_settings
from tests.support.identity import TEST_SIGNING_KEY, user_identity

SEND = """mutation($input: SendMessageInput!) {
  sendMessage(input: $input) { chatId messageId createdChat } }"""
CHATS = """query($first: Int, $after: String) {
  chats(first: $first, after: $after) { chats { id title } endCursor hasNextPage } }"""
CHAT = "query($id: ID!) { chat(id: $id) { id title mateId createdAt } }"
MESSAGES = """query($chatId: ID!, $first: Int, $after: String) {
  chatMessages(chatId: $chatId, first: $first, after: $after) {
    messages { id chatId role text status } endCursor hasNextPage } }"""
RENAME = "mutation($c: ID!, $t: String!) { renameChat(chatId: $c, title: $t) { id title } }"
DELETE_MESSAGE = "mutation($c: ID!, $m: ID!) { deleteMessage(chatId: $c, messageId: $m) }"
DELETE_CHAT = "mutation($c: ID!) { deleteChat(chatId: $c) }"
CANCEL = "mutation($c: ID!, $m: ID!) { cancelReply(chatId: $c, messageId: $m) }"
SHARE = "mutation($c: ID!) { shareChat(chatId: $c) }"
REVOKE = "mutation($c: ID!) { revokeShare(chatId: $c) }"
SHARED = """query($t: String!, $k: String!) {
  sharedChat(token: $t, key: $k) { title messages { id role text } } }"""
SHARE_BASE = "https://mateway.example.com"


def codes(errors: list[dict[str, Any]]) -> list[str]:
    """The error codes of a result."""
    return [e["extensions"]["code"] for e in errors]


@dataclass
class Chats:
    """The core app with chats, and helpers to call it like the router would."""

    service: CoreService
    directus: DirectusClient
    keys: ChatKeyManager
    keyring_path: Path
    valkey: ValkeyServer
    redis_db: int
    keyring_master: str = ""  # the secret sealing the keyring (a fresh process reopens it)

    async def run(
        self, query: str, identity: Identity | None = None, **variables: Any
    ) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        """Execute on the core schema: (data, errors as formatted dicts)."""
        context: dict[str, Any] = {"request": None}
        if identity is not None:
            context["identity"] = identity
        result = await schema.execute(query, variable_values=variables, context_value=context)
        return result.data, [error.formatted for error in result.errors or []]

    async def ok(self, query: str, identity: Identity | None = None, **variables: Any) -> Any:
        """Execute and require no errors: the data."""
        data, errors = await self.run(query, identity, **variables)
        assert errors == [], errors
        assert data is not None
        return data

    async def new_user(self) -> Identity:
        """A Directus user (chats reference their owner) and their signed-in identity."""
        row = await self.directus.create_user({"status": "active"})
        return user_identity(str(row["id"]))

    async def send(self, who: Identity, text: str, chat_id: str | None = None) -> dict[str, Any]:
        """sendMessage; its result."""
        values: dict[str, Any] = {"text": text}
        if chat_id is not None:
            values["chatId"] = chat_id
        data = await self.ok(SEND, who, input=values)
        return dict(data["sendMessage"])

    async def chat_row(self, chat_id: str) -> dict[str, Any]:
        """The stored chat row (ciphertexts and wrapped key)."""
        row = await self.directus.read_item("chats", chat_id)
        assert row is not None
        return row

    async def message_row(self, message_id: str) -> dict[str, Any]:
        """The stored message row."""
        row = await self.directus.read_item("messages", message_id)
        assert row is not None
        return row


def keyring_secret() -> str:
    """A master secret sealing a test keyring."""
    return secrets.token_urlsafe(32)


@pytest.fixture
async def chats(
    platform_directus: DirectusServer, valkey: ValkeyServer, tmp_path: Path
) -> AsyncIterator[Chats]:
    """The core app on the test Directus and Valkey, with a fresh local keyring."""
    keyring_path = tmp_path / "keyring.json"
    master = keyring_secret()
    keys = ChatKeyManager(LocalKeyring(keyring_path, master))
    settings = core_settings(
        platform_directus,
        redis_url=valkey.url(5),
        lookup_hash_key=secrets.token_urlsafe(32),
        signing_key=signing_secret(),
    )
    service = CoreService(settings)
    use_service(service)
    use_chat_keys(keys)
    use_chat_rows(ChatRowCache())
    use_chat_settings(ChatSettings(share_base_url=SHARE_BASE))
    async with DirectusClient(platform_directus.url, platform_directus.platform_token) as client:
        yield Chats(service, client, keys, keyring_path, valkey, 5, master)
    use_chat_settings(None)
    use_chat_rows(None)
    use_chat_keys(None)
    use_service(None)
    await service.aclose()


def signing_secret() -> str:
    """The session's signing secret, which routers built in these tests verify with."""
    return os.environ.get("MATEWAY_SIGNING_KEY", TEST_SIGNING_KEY)
