"""The chat service of a request: the caller as owner, the app's clients, the key manager."""

from __future__ import annotations

import re

import strawberry

from shared.directus.loaders import collection_loader
from shared.errors import ErrorCode, MatewayError
from subgraphs.core.accounts.caller import caller_identity
from subgraphs.core.chats.keys import chat_keys, chat_rows
from subgraphs.core.chats.service import ChatService
from subgraphs.core.chats.store import CHAT_FIELDS, CHATS, ChatStore, Row
from subgraphs.core.context import request_scope

LOADER_KEY = "core.chats.rows"
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def owner_id(info: strawberry.Info) -> str:
    """The caller's user id (a session or an API key of theirs); UNAUTHENTICATED otherwise."""
    identity = caller_identity(info.context)
    if not identity.is_authenticated or not identity.user_id:
        raise MatewayError(ErrorCode.UNAUTHENTICATED, "Sign in first")
    return identity.user_id


def chat_service(info: strawberry.Info) -> ChatService:
    """The caller's ChatService for this request."""
    owner = owner_id(info)
    service = request_scope(info.context).service
    return ChatService(owner, service.directus(), chat_keys(), service.redis(), chat_rows())


async def owned_chat_row(info: strawberry.Info, chat_id: str) -> Row | None:
    """The caller's chat row by id through this request's batched loader; None otherwise.

    For entity lookups (other apps reference chats): many ids become one Directus request,
    and the owner is checked on the loaded row, so a foreign chat is as absent as a missing one.
    """
    identity = caller_identity(info.context)
    if not identity.is_authenticated or not identity.user_id or not _UUID.fullmatch(chat_id):
        return None
    context = info.context
    loader = context.get(LOADER_KEY)
    if loader is None:
        client = request_scope(context).service.directus()
        loader = context[LOADER_KEY] = collection_loader(
            client, CHATS, fields=[*CHAT_FIELDS, "owner"]
        )
    row: Row | None = await loader.load(chat_id)
    if row is None or str(row.get("owner")) != identity.user_id:
        return None
    return row


def anonymous_store(info: strawberry.Info) -> ChatStore:
    """The chat rows without an owner: only share links use it, after checking the token."""
    return ChatStore(request_scope(info.context).service.directus())
