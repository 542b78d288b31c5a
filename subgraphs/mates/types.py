"""Output types of the mates app."""

from __future__ import annotations

import strawberry

from shared.apps.directives import public
from subgraphs.mates.service import MateDefinition, builtin_mates_by_id


# Built-in mates are offered to everyone, their prompts included: public on purpose.
@strawberry.federation.type(
    keys=["id"], description="An AI assistant people chat with.", directives=[public()]
)
class Mate:
    id: strawberry.ID
    name: str
    description: str
    system_prompt: str
    preferred_model: str
    allowed_apps: list[str]
    avatar_colour: str = strawberry.field(description="Hex colour of the mate's avatar, #RRGGBB.")
    builtin: bool = strawberry.field(description="Offered by the server to everyone.")

    @classmethod
    def from_definition(cls, definition: MateDefinition) -> Mate:
        """A built-in mate as a GraphQL object."""
        return cls(
            id=strawberry.ID(definition.id),
            name=definition.name,
            description=definition.description,
            system_prompt=definition.system_prompt,
            preferred_model=definition.preferred_model,
            allowed_apps=list(definition.allowed_apps),
            avatar_colour=definition.avatar_colour,
            builtin=True,
        )

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Mate | None:
        """Entity lookup for other subgraphs; unknown ids resolve to null."""
        definition = builtin_mates_by_id().get(str(id))
        return cls.from_definition(definition) if definition else None
