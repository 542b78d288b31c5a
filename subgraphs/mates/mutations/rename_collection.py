"""Mutation `renameCollection`."""

from __future__ import annotations

import strawberry

from shared.apps.directives import signed_in
from subgraphs.mates.context import request_scope
from subgraphs.mates.mutations._inputs import WRITE
from subgraphs.mates.types import Collection


async def rename_collection(info: strawberry.Info, id: strawberry.ID, name: str) -> Collection:
    """NOT_FOUND for unknown collections and other users' collections."""
    row = await request_scope(info.context).collections().rename(str(id), name)
    return Collection.from_row(row)


field = strawberry.mutation(
    resolver=rename_collection,
    description="Rename one of your collections.",
    directives=[signed_in(WRITE)],
)
