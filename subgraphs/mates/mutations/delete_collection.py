"""Mutation `deleteCollection`: the folder goes, its chats stay."""

from __future__ import annotations

import strawberry

from shared.apps.directives import signed_in
from subgraphs.mates.context import request_scope
from subgraphs.mates.mutations._inputs import WRITE


async def delete_collection(info: strawberry.Info, id: strawberry.ID) -> bool:
    """NOT_FOUND for unknown collections and other users' collections."""
    await request_scope(info.context).collections().delete(str(id))
    return True


field = strawberry.mutation(
    resolver=delete_collection,
    description="Delete one of your collections; the chats in it are kept.",
    directives=[signed_in(WRITE)],
)
