"""The mates app's federation schema."""

from __future__ import annotations

import strawberry

from shared.apps.directives import public
from shared.errors import MatewaySchema
from subgraphs.mates.service import builtin_mates_by_id
from subgraphs.mates.types import Mate


@strawberry.type
class Query:
    @strawberry.field(
        description="The mates this server offers to everyone.", directives=[public()]
    )
    def builtin_mates(self) -> list[Mate]:
        return [Mate.from_definition(mate) for mate in builtin_mates_by_id().values()]

    @strawberry.field(description="One built-in mate by id, or null.", directives=[public()])
    def builtin_mate(self, id: strawberry.ID) -> Mate | None:
        return Mate.resolve_reference(id)


schema = MatewaySchema(query=Query, types=[Mate])
