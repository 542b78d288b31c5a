"""Mutation `createCollection`: a new, empty folder of chats."""

from __future__ import annotations

import strawberry

from shared.apps.directives import signed_in
from subgraphs.mates.context import request_scope
from subgraphs.mates.mutations._inputs import WRITE
from subgraphs.mates.types import Collection


async def create_collection(info: strawberry.Info, name: str) -> Collection:
    """Validates the name (1-100 characters) and stores the collection."""
    return Collection.from_row(await request_scope(info.context).collections().create(name))


field = strawberry.mutation(
    resolver=create_collection,
    description="Create a collection (a folder of your chats).",
    directives=[signed_in(WRITE)],
)
