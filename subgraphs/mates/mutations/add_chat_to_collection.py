"""Mutation `addChatToCollection` (the guide's /v1/mysoftwarename/collection/add_chat)."""

from __future__ import annotations

import strawberry

from shared.apps.directives import signed_in
from subgraphs.mates.context import request_scope
from subgraphs.mates.mutations._inputs import WRITE
from subgraphs.mates.types import Collection


async def add_chat_to_collection(
    info: strawberry.Info, collection_id: strawberry.ID, chat_id: strawberry.ID
) -> Collection:
    """Both must be the caller's: any other collection or chat is NOT_FOUND."""
    row = await request_scope(info.context).collections().add_chat(str(collection_id), str(chat_id))
    return Collection.from_row(row)


field = strawberry.mutation(
    resolver=add_chat_to_collection,
    description="Put one of your chats into one of your collections (no change if already in).",
    directives=[signed_in(WRITE)],
)
