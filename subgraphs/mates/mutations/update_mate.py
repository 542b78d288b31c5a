"""Mutation `updateMate`: change the caller's mate (built-in mates are read-only)."""

from __future__ import annotations

import strawberry

from shared.apps.directives import signed_in
from subgraphs.mates.context import request_scope
from subgraphs.mates.mutations._inputs import WRITE, UpdateMateInput, input_values
from subgraphs.mates.types import Mate


async def update_mate(info: strawberry.Info, id: strawberry.ID, input: UpdateMateInput) -> Mate:
    """NOT_FOUND for unknown mates and other users' mates; FORBIDDEN for built-in ones."""
    row = await request_scope(info.context).mates().update(str(id), input_values(input))
    return Mate.from_row(row)


field = strawberry.mutation(
    resolver=update_mate,
    description="Change one of your mates. Built-in mates answer FORBIDDEN (read-only).",
    directives=[signed_in(WRITE)],
)
