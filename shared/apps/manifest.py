"""`app.yml`: what an app is, which skills it offers and which providers serve them.

```yaml
name: pdf                       # slug, equal to the folder name subgraphs/pdf/
description: Read and screenshot PDF documents.
version: 1.2.0                  # semver
providers:
  - name: pymupdf
    module: subgraphs.pdf.providers.pymupdf
    settings: subgraphs.pdf.providers.pymupdf:PyMuPdfSettings   # optional pydantic model
skills:
  - name: extract               # the mutation (or subscription) `pdfExtract`
    description: Extract the text of a PDF.
    cost: 2                     # credits, int >= 0
    role: user                  # anonymous | user | admin
    providers: [pymupdf]
    input: subgraphs.pdf.skills.extract:PdfExtractInput   # optional, else inferred
settings:                       # non-secret defaults; secrets go to the environment
  max_pages: 200
```
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from shared.identity import Role

MANIFEST_FILE = "app.yml"

# Lowercase letters and digits only: the name prefixes GraphQL fields (`pdfExtract`) and is
# a Python package name, so hyphens and underscores would make one or the other awkward.
APP_NAME_PATTERN = r"^[a-z][a-z0-9]{1,31}$"
SKILL_NAME_PATTERN = r"^[a-z][a-zA-Z0-9]{0,63}$"
PROVIDER_NAME_PATTERN = r"^[a-z][a-z0-9_-]{0,63}$"
SEMVER_PATTERN = (
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$"
)
# "module.path:Attribute" or "module.path.Attribute".
DOTTED_PATH_PATTERN = r"^[A-Za-z_][\w.]*(?::[A-Za-z_]\w*)?$"
MODULE_PATTERN = r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*$"

# Setting names that look like credentials: app.yml is committed, secrets are not.
_SECRET_NAME = re.compile(r"(secret|password|passwd|token|api_?key|private_?key|credential)", re.I)


class ProviderManifest(BaseModel):
    """One provider: a module implementing a skill's Protocol, with its settings model."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=PROVIDER_NAME_PATTERN)
    module: str = Field(pattern=MODULE_PATTERN, description="dotted module path")
    settings: str | None = Field(
        default=None,
        pattern=DOTTED_PATH_PATTERN,
        description="'module:Class' of the provider's pydantic settings model",
    )
    description: str = ""


class SkillManifest(BaseModel):
    """One skill: a mutation or subscription named `<app><Skill>`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=SKILL_NAME_PATTERN)
    description: str = Field(min_length=1, max_length=1000)
    cost: int = Field(ge=0, description="credits charged per call")
    role: Role = Role.USER
    providers: tuple[str, ...] = ()
    input: str | None = Field(
        default=None,
        pattern=DOTTED_PATH_PATTERN,
        description="'module:InputType' of the Strawberry input; inferred when omitted",
    )

    def field_name(self, app: str) -> str:
        """The GraphQL field of this skill: `pdf` + `extract` -> `pdfExtract`."""
        return app + self.name[0].upper() + self.name[1:]


class AppManifest(BaseModel):
    """The validated content of an app's `app.yml`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=APP_NAME_PATTERN)
    description: str = Field(min_length=1, max_length=1000)
    version: str = Field(pattern=SEMVER_PATTERN)
    skills: tuple[SkillManifest, ...] = ()
    providers: tuple[ProviderManifest, ...] = ()
    settings: dict[str, Any] = Field(default_factory=dict)

    @field_validator("version", mode="before")
    @classmethod
    def _version_is_text(cls, version: Any) -> Any:
        # YAML reads `version: 1.0` as a float; say so instead of "not a valid string".
        if isinstance(version, int | float):
            raise ValueError(f'{version} is a number: write a semver string such as "1.0.0"')
        return version

    @field_validator("settings")
    @classmethod
    def _no_secrets(cls, settings: dict[str, Any]) -> dict[str, Any]:
        secret = sorted(key for key in settings if _SECRET_NAME.search(key))
        if secret:
            raise ValueError(
                f"{secret} look like secrets: set them in the environment or .env, not in app.yml"
            )
        return settings

    @model_validator(mode="after")
    def _consistent(self) -> AppManifest:
        _reject_duplicates("skill", [skill.name for skill in self.skills])
        _reject_duplicates("provider", [provider.name for provider in self.providers])
        known = {provider.name for provider in self.providers}
        for skill in self.skills:
            unknown = sorted(set(skill.providers) - known)
            if unknown:
                raise ValueError(
                    f"skill {skill.name!r} names providers {unknown} that are not declared "
                    f"under providers (declared: {sorted(known)})"
                )
        return self

    def skill(self, name: str) -> SkillManifest:
        """The skill called `name` (KeyError when there is none)."""
        for skill in self.skills:
            if skill.name == name:
                return skill
        raise KeyError(name)

    def skill_fields(self) -> dict[str, SkillManifest]:
        """Each skill keyed by its GraphQL field name (`pdfExtract`)."""
        return {skill.field_name(self.name): skill for skill in self.skills}


def _reject_duplicates(kind: str, names: list[str]) -> None:
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"duplicate {kind} names {duplicates}")


class ManifestError(ValueError):
    """An app.yml that cannot be read or is invalid; the message names the file and field."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__(f"{path}: " + "; ".join(problems))


def _location(loc: tuple[int | str, ...], data: Any) -> str:
    """`("skills", 0, "cost")` -> `skills[0] (extract).cost`, naming the skill when known."""
    text = ""
    node = data
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
            node = node[part] if isinstance(node, list) and part < len(node) else None
            if isinstance(node, dict) and isinstance(node.get("name"), str):
                text += f" ({node['name']})"
        else:
            text += f".{part}" if text else part
            node = node.get(part) if isinstance(node, dict) else None
    return text


def describe_validation_error(error: ValidationError, data: Any) -> list[str]:
    """One readable line per problem: the field's location, then what is wrong."""
    problems = []
    for item in error.errors(include_url=False):
        where = _location(tuple(item["loc"]), data)
        message = item["msg"].removeprefix("Value error, ")
        problems.append(f"{where}: {message}" if where else message)
    return problems


def parse_manifest(data: Any, path: Path) -> AppManifest:
    """Validate already-parsed YAML as a manifest; errors name `path` and the fields."""
    if not isinstance(data, dict):
        raise ManifestError(path, ["the file must hold a mapping (name:, description:, ...)"])
    try:
        return AppManifest.model_validate(data)
    except ValidationError as error:
        raise ManifestError(path, describe_validation_error(error, data)) from None


def load_manifest(path: Path) -> AppManifest:
    """Read and validate an `app.yml` (or the `app.yml` inside a folder)."""
    if path.is_dir():
        path = path / MANIFEST_FILE
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ManifestError(path, ["no such file"]) from None
    except yaml.YAMLError as error:
        raise ManifestError(path, [f"invalid YAML: {error}"]) from None
    manifest = parse_manifest(data, path)
    folder = path.parent.name
    if manifest.name != folder:
        raise ManifestError(
            path, [f"name: {manifest.name!r} differs from its folder name {folder!r}"]
        )
    return manifest
