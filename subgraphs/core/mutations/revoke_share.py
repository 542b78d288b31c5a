"""Mutation `revokeShare`: stop every share link of one of your chats by re-keying it."""

from __future__ import annotations

import strawberry

from shared.apps.directives import signed_in
from subgraphs.core.chats.runtime import chat_service
from subgraphs.core.chats.sharing import revoke_share as revoke


async def revoke_share(info: strawberry.Info, chat_id: strawberry.ID) -> bool:
    """Deletes the chat's share tokens and gives it a new key (texts re-encrypted)."""
    await revoke(chat_service(info), str(chat_id))
    return True


field = strawberry.mutation(
    resolver=revoke_share,
    description="Stop all share links of one of your chats; old links' keys open nothing.",
    directives=[signed_in("chats:write")],
)
