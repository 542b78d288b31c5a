"""Mutation `sendMessage`: store the user's message (encrypted), starting a chat if needed."""

from __future__ import annotations

import strawberry

from shared.apps.directives import signed_in
from subgraphs.core.chats.runtime import chat_service
from subgraphs.core.types import SentMessage


@strawberry.input(description="A message to send; without chatId it starts a new chat.")
class SendMessageInput:
    text: str = strawberry.field(description="1 to 100000 characters.")
    chat_id: strawberry.ID | None = None
    mate_id: strawberry.ID | None = strawberry.field(
        default=None, description="For a new chat: a built-in mate id or one of your mates."
    )


async def send_message(info: strawberry.Info, input: SendMessageInput) -> SentMessage:
    """Stores the message; the chat's title comes from its first message."""
    sent = await chat_service(info).send_message(
        str(input.chat_id) if input.chat_id is not None else None,
        input.text,
        str(input.mate_id) if input.mate_id is not None else None,
    )
    return SentMessage(
        chat_id=strawberry.ID(sent.chat_id),
        message_id=strawberry.ID(sent.message_id),
        created_chat=sent.created_chat,
    )


field = strawberry.mutation(
    resolver=send_message,
    description="Send a message to one of your chats, or start a chat without chatId.",
    directives=[signed_in("chats:write")],
)
