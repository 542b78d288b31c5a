"""Mutation `deleteMate`: delete the caller's mate (built-in mates are read-only)."""

from __future__ import annotations

import strawberry

from shared.apps.directives import signed_in
from subgraphs.mates.context import request_scope
from subgraphs.mates.mutations._inputs import WRITE


async def delete_mate(info: strawberry.Info, id: strawberry.ID) -> bool:
    """NOT_FOUND for unknown mates and other users' mates; FORBIDDEN for built-in ones."""
    await request_scope(info.context).mates().delete(str(id))
    return True


field = strawberry.mutation(
    resolver=delete_mate,
    description="Delete one of your mates. Built-in mates answer FORBIDDEN (read-only).",
    directives=[signed_in(WRITE)],
)
