"""Mutation `shareChat`: a read-only link to one of your chats, carrying its key in the fragment."""

from __future__ import annotations

import strawberry

from shared.apps.directives import signed_in
from subgraphs.core.chats.keys import chat_settings
from subgraphs.core.chats.runtime import chat_service
from subgraphs.core.chats.sharing import share_chat as make_link


async def share_chat(info: strawberry.Info, chat_id: strawberry.ID) -> str:
    """A new share link `<base>/share/<token>#<key>`; anyone holding it can read this chat."""
    return await make_link(chat_service(info), str(chat_id), chat_settings().share_base_url)


field = strawberry.mutation(
    resolver=share_chat,
    description=(
        "A share link to one of your chats. It opens this chat only; revokeShare stops "
        "every link of the chat."
    ),
    directives=[signed_in("chats:write")],
)
