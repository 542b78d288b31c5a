"""Mutation `deleteChat`: crypto-shred one of your chats (its key first, then its rows)."""

from __future__ import annotations

import strawberry

from shared.apps.directives import signed_in
from subgraphs.core.chats.runtime import chat_service


async def delete_chat(info: strawberry.Info, chat_id: strawberry.ID) -> bool:
    """Destroys the chat's key, then deletes the chat, its messages and share links."""
    await chat_service(info).delete_chat(str(chat_id))
    return True


field = strawberry.mutation(
    resolver=delete_chat,
    description="Delete one of your chats for good: its key is destroyed first.",
    directives=[signed_in("chats:write")],
)
