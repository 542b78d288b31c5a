"""GraphQL input objects of the mate mutations, and their values for validation."""

from __future__ import annotations

from typing import Any

import strawberry
from pydantic.alias_generators import to_camel

WRITE = "mates:write"


@strawberry.input(description="A new mate. Checked: lengths, #RRGGBB colour, installed apps.")
class CreateMateInput:
    name: str = strawberry.field(description="1-60 characters.")
    description: str = strawberry.field(default="", description="At most 500 characters.")
    system_prompt: str = strawberry.field(description="1-20000 characters.")
    preferred_model: str = "default"
    allowed_apps: list[str] = strawberry.field(
        default_factory=list, description="Apps installed on this server the mate may use."
    )
    avatar_colour: str = strawberry.field(description="#RRGGBB")


@strawberry.input(description="Changes to a mate; fields left out (or null) stay as they are.")
class UpdateMateInput:
    name: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    system_prompt: str | None = strawberry.UNSET
    preferred_model: str | None = strawberry.UNSET
    allowed_apps: list[str] | None = strawberry.UNSET
    avatar_colour: str | None = strawberry.UNSET


def input_values(value: object) -> dict[str, Any]:
    """The fields the client sent, named as in GraphQL (for the pydantic models)."""
    return {
        to_camel(name): item for name, item in vars(value).items() if item is not strawberry.UNSET
    }
