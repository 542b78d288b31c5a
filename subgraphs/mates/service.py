"""Domain logic of the mates app: the built-in mates defined in YAML."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

BUILTIN_MATES_FILE = Path(__file__).with_name("builtin_mates.yml")


class MateDefinition(BaseModel):
    """A mate as written in YAML; validated so a typo fails at start, not in a chat."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")
    name: str = Field(min_length=1, max_length=60)
    description: str = Field(max_length=500)
    system_prompt: str = Field(min_length=1, max_length=20_000)
    preferred_model: str = "default"
    allowed_apps: tuple[str, ...] = ()
    avatar_colour: str = Field(pattern=re.compile(r"^#[0-9A-Fa-f]{6}$").pattern)


class BuiltinMatesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mates: tuple[MateDefinition, ...]


def load_builtin_mates(path: Path = BUILTIN_MATES_FILE) -> tuple[MateDefinition, ...]:
    """Reads and validates the built-in mates; ids must be unique."""
    parsed = BuiltinMatesFile.model_validate(yaml.safe_load(path.read_text()))
    ids = [mate.id for mate in parsed.mates]
    duplicates = sorted({mate_id for mate_id in ids if ids.count(mate_id) > 1})
    if duplicates:
        raise ValueError(f"{path}: duplicate mate ids {duplicates}")
    return parsed.mates


@cache
def builtin_mates_by_id() -> dict[str, MateDefinition]:
    """The built-in mates of this server, keyed by id (read once)."""
    return {mate.id: mate for mate in load_builtin_mates()}
