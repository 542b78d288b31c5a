"""Mutation `removeChatFromCollection`: the chat leaves the folder, nothing is deleted."""

from __future__ import annotations

import strawberry

from shared.apps.directives import signed_in
from subgraphs.mates.context import request_scope
from subgraphs.mates.mutations._inputs import WRITE
from subgraphs.mates.types import Collection


async def remove_chat_from_collection(
    info: strawberry.Info, collection_id: strawberry.ID, chat_id: strawberry.ID
) -> Collection:
    """NOT_FOUND for another user's collection, or a chat that is not in it."""
    store = request_scope(info.context).collections()
    return Collection.from_row(await store.remove_chat(str(collection_id), str(chat_id)))


field = strawberry.mutation(
    resolver=remove_chat_from_collection,
    description="Take a chat out of one of your collections; the chat itself is kept.",
    directives=[signed_in(WRITE)],
)
