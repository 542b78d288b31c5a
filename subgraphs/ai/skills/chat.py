"""The `chat` skill of the ai app: `aiChat(input: {chatId, messageId})`, a streamed reply."""

from __future__ import annotations

import strawberry


@strawberry.input(description="The user message to answer.")
class AiChatInput:
    chat_id: strawberry.ID
    message_id: strawberry.ID
