"""The skill registry: every enabled app's skills with cost, role and input JSON Schema.

The router (credits, auth, rate limits) and the ai app (tool calling) read it through this
Python API. `SkillRegistry.visible_to(role)` filters what a caller may see; exposing it as a
GraphQL query waits for the identity issue, which knows the caller's role.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphql import (
    GraphQLSchema,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    parse,
    print_ast,
)

from shared.apps.input_schema import empty_input_json_schema, input_object_json_schema
from shared.apps.manifest import AppManifest
from shared.apps.skill_fields import SkillOperation, SkillSchemaError, match_skill_fields
from shared.identity import Role

if TYPE_CHECKING:
    from shared.apps.factory import AppBundle


@dataclass(frozen=True)
class SkillInfo:
    """One skill as the router and the ai app see it."""

    app: str
    name: str
    field_name: str
    operation: SkillOperation
    description: str
    cost: int
    role: Role
    providers: tuple[str, ...]
    input_type: str | None
    input_schema: dict[str, Any] = field(hash=False, compare=False)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready description of the skill."""
        return {
            "app": self.app,
            "name": self.name,
            "field": self.field_name,
            "operation": self.operation,
            "description": self.description,
            "cost": self.cost,
            "role": self.role.value,
            "providers": list(self.providers),
            "input_type": self.input_type,
            "input_schema": self.input_schema,
        }


def app_skills(
    manifest: AppManifest, schema: GraphQLSchema, package: str, source: Path | str
) -> tuple[SkillInfo, ...]:
    """The skills of one app, checked against its schema (SkillSchemaError on a mismatch)."""
    skills = []
    for matched in match_skill_fields(manifest, schema, package, source):
        skill = matched.skill
        input_type = matched.input_type
        skills.append(
            SkillInfo(
                app=manifest.name,
                name=skill.name,
                field_name=matched.field_name,
                operation=matched.operation,
                description=skill.description,
                cost=skill.cost,
                role=skill.role,
                providers=skill.providers,
                input_type=input_type.name if input_type is not None else None,
                input_schema=(
                    input_object_json_schema(input_type)
                    if input_type is not None
                    else empty_input_json_schema()
                ),
            )
        )
    return tuple(skills)


class SkillRegistry:
    """The skills of a set of apps, by field name (`pdfExtract`), in app then manifest order."""

    def __init__(self, skills: Iterable[SkillInfo]) -> None:
        self._skills: dict[str, SkillInfo] = {}
        for skill in skills:
            if skill.field_name in self._skills:
                other = self._skills[skill.field_name]
                raise ValueError(
                    f"skill field {skill.field_name} is declared by apps {other.app!r} and "
                    f"{skill.app!r}"
                )
            self._skills[skill.field_name] = skill

    @classmethod
    def from_bundles(cls, bundles: Iterable[AppBundle]) -> SkillRegistry:
        """The registry of already-built apps."""
        return cls(skill for bundle in bundles for skill in bundle.skills)

    def __iter__(self) -> Iterator[SkillInfo]:
        return iter(self._skills.values())

    def __len__(self) -> int:
        return len(self._skills)

    def __contains__(self, field_name: object) -> bool:
        return field_name in self._skills

    def get(self, field_name: str) -> SkillInfo | None:
        """The skill behind a root field, or None when the field is no skill."""
        return self._skills.get(field_name)

    def of_app(self, app: str) -> list[SkillInfo]:
        """The skills of one app."""
        return [skill for skill in self if skill.app == app]

    def visible_to(self, role: Role) -> list[SkillInfo]:
        """The skills a caller with `role` may run (an anonymous caller never sees admin ones)."""
        return [skill for skill in self if role.allows(skill.role)]

    def as_list(self, role: Role | None = None) -> list[dict[str, Any]]:
        """JSON-ready skills, all of them or those visible to `role`."""
        skills = list(self) if role is None else self.visible_to(role)
        return [skill.as_dict() for skill in skills]


@dataclass(frozen=True)
class DirectiveUse:
    """A directive applied to a field, e.g. `@credits(cost: 5)`."""

    name: str
    arguments: tuple[tuple[str, str], ...]

    def sdl(self) -> str:
        """The directive as SDL text."""
        if not self.arguments:
            return f"@{self.name}"
        args = ", ".join(f"{name}: {value}" for name, value in self.arguments)
        return f"@{self.name}({args})"


def skill_directives(manifest: AppManifest) -> dict[str, tuple[DirectiveUse, ...]]:
    """The `@credits(cost:)` and `@auth(requires:)` each skill field should carry.

    Free skills carry no @credits. Every skill carries @auth, anonymous ones too: the router
    denies fields without @auth, so a public skill says so. Role values are the GraphQL enum
    names (ANONYMOUS, USER, ADMIN); `scopes: []` is how Strawberry prints the default.
    """
    directives: dict[str, tuple[DirectiveUse, ...]] = {}
    for field_name, skill in manifest.skill_fields().items():
        uses = []
        if skill.cost > 0:
            uses.append(DirectiveUse("credits", (("cost", str(skill.cost)),)))
        uses.append(DirectiveUse("auth", (("requires", skill.role.name), ("scopes", "[]"))))
        directives[field_name] = tuple(uses)
    return directives


def registry_from_modules(references: Iterable[str]) -> SkillRegistry:
    """The skills of the apps behind supergraph.yaml `module:` references ('pkg.app:app').

    Apps not built by `create_app` (plain ASGI apps) have no manifest and add no skills.
    """
    from shared.apps.factory import bundle_of  # here: factory imports this module

    bundles = []
    for reference in references:
        module_name, _, attribute = reference.partition(":")
        bundle = bundle_of(getattr(importlib.import_module(module_name), attribute or "app"))
        if bundle is not None:
            bundles.append(bundle)
    return SkillRegistry.from_bundles(bundles)


def registry_from_apps(
    root: Path | str = "subgraphs", enabled: Iterable[str] | None = None
) -> SkillRegistry:
    """The skills of every app folder under `root` (or only the `enabled` ones)."""
    from shared.apps.factory import discover_apps  # here: factory imports this module

    apps = discover_apps(root, None if enabled is None else list(enabled))
    return registry_from_modules(app.module for app in apps)


def _applied_directives(sdl: str, names: frozenset[str]) -> dict[str, set[str]]:
    """Root Mutation/Subscription field -> the SDL of its directives called one of `names`."""
    applied: dict[str, set[str]] = {}
    for definition in parse(sdl).definitions:
        if not isinstance(definition, ObjectTypeDefinitionNode | ObjectTypeExtensionNode):
            continue
        if definition.name.value not in ("Mutation", "Subscription"):
            continue
        for field_node in definition.fields or ():
            uses = {print_ast(d) for d in field_node.directives or () if d.name.value in names}
            applied.setdefault(field_node.name.value, set()).update(uses)
    return applied


def check_skill_directives(manifest: AppManifest, sdl: str, source: Path | str) -> None:
    """Fail when a skill field carries @credits or @auth differing from app.yml.

    Each directive is compared on its own, and one a field leaves out passes: apps emit
    them with `shared.apps.directives.skill_field_directives`, and any they do write must
    agree with app.yml.
    """
    applied = _applied_directives(sdl, frozenset({"credits", "auth"}))
    problems = []
    for field_name, uses in skill_directives(manifest).items():
        found = applied.get(field_name, set())
        names = {use.partition("(")[0].lstrip("@") for use in found}
        expected = {use.sdl() for use in uses if use.name in names}
        if found and found != expected:
            problems.append(
                f"field {field_name} carries {' '.join(sorted(found))} but {source} declares "
                f"{' '.join(sorted(expected)) or 'no @credits or @auth'}"
            )
    if problems:
        raise SkillSchemaError("; ".join(problems))
