"""Mutation `deleteMessage`: remove one message of one of your chats."""

from __future__ import annotations

import strawberry

from shared.apps.directives import signed_in
from subgraphs.core.chats.runtime import chat_service


async def delete_message(
    info: strawberry.Info, chat_id: strawberry.ID, message_id: strawberry.ID
) -> bool:
    """Deletes the message; NOT_FOUND when the chat or the message is not yours."""
    await chat_service(info).delete_message(str(chat_id), str(message_id))
    return True


field = strawberry.mutation(
    resolver=delete_message,
    description="Delete a message of one of your chats.",
    directives=[signed_in("chats:write")],
)
