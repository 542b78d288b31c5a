"""The chat service of a request: the caller as owner, the app's clients, the key manager."""

from __future__ import annotations

import strawberry

from shared.errors import ErrorCode, MatewayError
from subgraphs.core.accounts.caller import caller_identity
from subgraphs.core.chats.keys import chat_keys
from subgraphs.core.chats.service import ChatService
from subgraphs.core.chats.store import ChatStore
from subgraphs.core.context import request_scope


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
    return ChatService(owner, service.directus(), chat_keys(), service.redis())


def anonymous_store(info: strawberry.Info) -> ChatStore:
    """The chat rows without an owner: only share links use it, after checking the token."""
    return ChatStore(request_scope(info.context).service.directus())
