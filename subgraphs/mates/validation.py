"""Validation of every mates and collections input (pydantic; stable codes per field).

A failure raises pydantic's ValidationError, which the app's error extension turns into
BAD_USER_INPUT with `fields: [{field, message, type}]`; `type` is stable (pydantic's own
types such as `string_too_long`, plus `unknown_app` for an app that is not installed).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
SystemPrompt = Annotated[str, StringConstraints(min_length=1, max_length=20_000)]
Model = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,127}$"),
]
Colour = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^#[0-9A-Fa-f]{6}$")]
CollectionName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)
]
MAX_ALLOWED_APPS = 32

# The Directus column of each validated field.
COLUMNS = {
    "name": "name",
    "description": "description",
    "system_prompt": "system_prompt",
    "preferred_model": "preferred_model",
    "allowed_apps": "allowed_apps",
    "avatar_colour": "avatar_colour",
}


class _Input(BaseModel):
    """Field names as in GraphQL (camelCase); unknown fields refused."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


def _check_apps(apps: list[str] | None, info: ValidationInfo) -> list[str] | None:
    """Every app must be installed (context `tool_apps`); duplicates are dropped."""
    if apps is None:
        return None
    installed = (info.context or {}).get("tool_apps", frozenset())
    unknown = sorted({app for app in apps if app not in installed})
    if unknown:
        raise PydanticCustomError(
            "unknown_app",
            "not installed on this server: {apps}",
            {"apps": ", ".join(unknown)},
        )
    return list(dict.fromkeys(apps))


class MateFields(_Input):
    """A new mate."""

    name: Name
    description: Description = ""
    system_prompt: SystemPrompt
    preferred_model: Model = "default"
    allowed_apps: list[str] = Field(default_factory=list, max_length=MAX_ALLOWED_APPS)
    avatar_colour: Colour

    _apps = field_validator("allowed_apps")(_check_apps)

    @field_validator("avatar_colour")
    @classmethod
    def _upper(cls, colour: str) -> str:
        return colour.upper()

    def columns(self) -> dict[str, Any]:
        """The Directus row values."""
        return {COLUMNS[name]: value for name, value in self.model_dump().items()}


class MatePatch(_Input):
    """Changes to a mate; a field left out (or null) stays as it is."""

    name: Name | None = None
    description: Description | None = None
    system_prompt: SystemPrompt | None = None
    preferred_model: Model | None = None
    allowed_apps: list[str] | None = Field(default=None, max_length=MAX_ALLOWED_APPS)
    avatar_colour: Colour | None = None

    _apps = field_validator("allowed_apps")(_check_apps)

    @field_validator("avatar_colour")
    @classmethod
    def _upper(cls, colour: str | None) -> str | None:
        return colour.upper() if colour else colour

    def columns(self) -> dict[str, Any]:
        """The Directus values of the fields that change."""
        values = self.model_dump(exclude_none=True)
        return {COLUMNS[name]: value for name, value in values.items()}


class CollectionFields(_Input):
    """A collection's name."""

    name: CollectionName


class PageArguments(_Input):
    """`first` and `after` of a list query."""

    first: int = Field(default=20, ge=1, le=100)
    after: str | None = Field(default=None, max_length=64)


def parse_uuid(value: object) -> str | None:
    """The canonical form of a UUID id, or None when it is not one (so: not found)."""
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        return None
