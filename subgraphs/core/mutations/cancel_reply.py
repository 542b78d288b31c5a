"""Mutation `cancelReply`: stop the reply being written for a message of one of your chats."""

from __future__ import annotations

import strawberry

from shared.apps.directives import signed_in
from subgraphs.core.chats.cancel import publish_cancel
from subgraphs.core.chats.ids import check_id
from subgraphs.core.chats.keys import chat_settings
from subgraphs.core.chats.runtime import chat_service


async def cancel_reply(
    info: strawberry.Info, chat_id: strawberry.ID, message_id: strawberry.ID
) -> bool:
    """Sends the stop signal; true when a running reply heard it at once."""
    chats = chat_service(info)
    message = check_id(str(message_id), "messageId")
    chat = await chats.store.owned_chat(chats.owner, check_id(str(chat_id), "chatId"), ["id"])
    await chats.store.message_in_chat(str(chat["id"]), message)
    listeners = await publish_cancel(chats.redis, message, chat_settings().cancel_marker_seconds)
    return listeners > 0


field = strawberry.mutation(
    resolver=cancel_reply,
    description=(
        "Stop the reply to (or of) `messageId` in one of your chats. True when a running "
        "reply heard it; a reply starting within two minutes stops too."
    ),
    directives=[signed_in("chats:write")],
)
