"""Mutation `createMate`: a new mate owned by the caller."""

from __future__ import annotations

import strawberry

from shared.apps.directives import signed_in
from subgraphs.mates.context import request_scope
from subgraphs.mates.mutations._inputs import WRITE, CreateMateInput, input_values
from subgraphs.mates.types import Mate


async def create_mate(info: strawberry.Info, input: CreateMateInput) -> Mate:
    """Validates the input (BAD_USER_INPUT with field details) and stores the mate."""
    row = await request_scope(info.context).mates().create(input_values(input))
    return Mate.from_row(row)


field = strawberry.mutation(
    resolver=create_mate, description="Create a mate of your own.", directives=[signed_in(WRITE)]
)
