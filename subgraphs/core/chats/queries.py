"""Queries on chats: `chats`, `chat`, `chatMessages` (owner only) and `sharedChat` (anyone)."""

from __future__ import annotations

import strawberry

from shared.apps.directives import public, signed_in
from subgraphs.core.chats.ids import encode_cursor
from subgraphs.core.chats.runtime import anonymous_store, chat_service
from subgraphs.core.chats.sharing import read_shared
from subgraphs.core.types import (
    Chat,
    ChatConnection,
    Message,
    MessageConnection,
    SharedChat,
    SharedMessage,
)


async def chats(
    info: strawberry.Info, first: int | None = None, after: str | None = None
) -> ChatConnection:
    """Your chats, newest first."""
    page = await chat_service(info).chats(first, after)
    items = [Chat.of(chat.row, chat.cipher) for chat in page.items]
    return ChatConnection(
        chats=items,
        end_cursor=encode_cursor([chat.row for chat in page.items]),
        has_next_page=page.has_next,
    )


async def chat(info: strawberry.Info, id: strawberry.ID) -> Chat:
    """One of your chats; NOT_FOUND when it is not yours or does not exist."""
    opened = await chat_service(info).open(str(id))
    return Chat.of(opened.row, opened.cipher)


async def chat_messages(
    info: strawberry.Info,
    chat_id: strawberry.ID,
    first: int | None = None,
    after: str | None = None,
) -> MessageConnection:
    """The messages of one of your chats, newest first."""
    page = await chat_service(info).messages(str(chat_id), first, after)
    items = [Message.of(row, cipher) for row, cipher in page.items]
    return MessageConnection(
        messages=items,
        end_cursor=encode_cursor([row for row, _ in page.items]),
        has_next_page=page.has_next,
    )


async def shared_chat(info: strawberry.Info, token: str, key: str) -> SharedChat:
    """A chat through its share link: the token from the path, the key from the fragment."""
    read = await read_shared(anonymous_store(info), token, key)
    return SharedChat(
        title=read.title,
        messages=[
            SharedMessage(id=strawberry.ID(str(row["id"])), row=row, cipher=read.cipher)
            for row in read.messages
        ],
    )


chats_field = strawberry.field(
    resolver=chats,
    description="Your chats, newest first (`first` 1-100, default 20; `after`: endCursor).",
    directives=[signed_in("chats:read")],
)
chat_field = strawberry.field(
    resolver=chat,
    description="One of your chats by id.",
    directives=[signed_in("chats:read")],
)
chat_messages_field = strawberry.field(
    resolver=chat_messages,
    description="A chat's messages, newest first (`first` 1-100, default 20).",
    directives=[signed_in("chats:read")],
)
shared_chat_field = strawberry.field(
    resolver=shared_chat,
    description=(
        "A shared chat, read without an account: `token` is the link's path segment, `key` "
        "its URL fragment. Unknown or revoked tokens are NOT_FOUND; a key that does not open "
        "the chat is BAD_USER_INPUT (reason wrong_key)."
    ),
    directives=[public()],
)
