"""Mutation `renameChat`: a new (encrypted) title for one of your chats."""

from __future__ import annotations

import strawberry

from shared.apps.directives import signed_in
from subgraphs.core.chats.runtime import chat_service
from subgraphs.core.types import Chat


async def rename_chat(info: strawberry.Info, chat_id: strawberry.ID, title: str) -> Chat:
    """Renames the chat (title 1 to 200 characters)."""
    chat = await chat_service(info).rename(str(chat_id), title)
    return Chat.of(chat.row, chat.cipher)


field = strawberry.mutation(
    resolver=rename_chat,
    description="Rename one of your chats.",
    directives=[signed_in("chats:write")],
)
