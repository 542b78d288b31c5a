"""Skills declared in app.yml checked against the app's schema, and their input types.

A skill `extract` of app `pdf` is the root field `pdfExtract` of Mutation (or Subscription,
when it streams). It takes no arguments or exactly one, `input`, of an input object type: the
Strawberry class named by the skill's `input:`, else the one input class defined in
`<app package>.skills.<skill_name>`, else the `input` argument's type. Every Mutation or
Subscription field named `<app><Upper>...` is a skill and must be declared in app.yml;
other root fields (`createMate`) are ordinary operations.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

from graphql import (
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    get_named_type,
)
from strawberry.types.base import get_object_definition

from shared.apps.manifest import AppManifest, SkillManifest

SkillOperation = Literal["mutation", "subscription"]
INPUT_ARGUMENT = "input"


class SkillSchemaError(ValueError):
    """app.yml and the app's schema disagree; the message names the manifest and the field."""


@dataclass(frozen=True)
class SkillField:
    """A declared skill matched with its root field and input type."""

    skill: SkillManifest
    field_name: str
    operation: SkillOperation
    input_type: GraphQLInputObjectType | None


def _pascal(name: str) -> str:
    return name[0].upper() + name[1:]


def snake_case(name: str) -> str:
    """`extractText` -> `extract_text` (skill module names)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _root_fields(schema: GraphQLSchema) -> dict[str, tuple[SkillOperation, GraphQLField]]:
    roots: list[tuple[SkillOperation, GraphQLObjectType | None]] = [
        ("mutation", schema.mutation_type),
        ("subscription", schema.subscription_type),
    ]
    fields: dict[str, tuple[SkillOperation, GraphQLField]] = {}
    for operation, root in roots:
        for name, field in (root.fields if root else {}).items():
            fields[name] = (operation, field)
    return fields


def _import_attribute(reference: str) -> Any:
    """Import 'module:Attr' or 'module.Attr'."""
    module_name, colon, attribute = reference.partition(":")
    if not colon:
        module_name, _, attribute = reference.rpartition(".")
    return getattr(importlib.import_module(module_name), attribute)


def _input_classes(module: ModuleType) -> list[type]:
    """Strawberry input classes defined (not imported) in `module`."""
    found = []
    for value in vars(module).values():
        definition = get_object_definition(value) if isinstance(value, type) else None
        if definition is not None and definition.is_input and value.__module__ == module.__name__:
            found.append(value)
    return found


def _skill_module(package: str, skill: SkillManifest) -> ModuleType | None:
    name = f"{package}.skills.{snake_case(skill.name)}"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name is not None and name.startswith(error.name):
            return None  # no such skill module: the input comes from the schema
        raise


def declared_input_name(skill: SkillManifest, package: str, field_name: str) -> str | None:
    """The GraphQL name of the skill's Strawberry input class, from app.yml or its module."""
    if skill.input is not None:
        cls = _import_attribute(skill.input)
        definition = get_object_definition(cls) if isinstance(cls, type) else None
        if definition is None or not definition.is_input:
            raise SkillSchemaError(f"input {skill.input} is not a Strawberry input type")
        return definition.name
    module = _skill_module(package, skill)
    if module is None:
        return None
    classes = _input_classes(module)
    if len(classes) > 1:
        wanted = {_pascal(field_name) + "Input", _pascal(skill.name) + "Input"}
        named = [cls for cls in classes if cls.__name__ in wanted]
        if len(named) != 1:
            names = ", ".join(sorted(cls.__name__ for cls in classes))
            raise SkillSchemaError(
                f"several input types in {module.__name__} ({names}), none named "
                f"{' or '.join(sorted(wanted))}: name one with `input: module:Class`"
            )
        classes = named
    definition = get_object_definition(classes[0]) if classes else None
    return definition.name if definition is not None else None


def _field_input(field_name: str, field: GraphQLField, where: str) -> GraphQLInputObjectType | None:
    if not field.args:
        return None
    named: GraphQLNamedType | None = None
    if list(field.args) == [INPUT_ARGUMENT]:
        named = get_named_type(field.args[INPUT_ARGUMENT].type)
    if not isinstance(named, GraphQLInputObjectType):
        raise SkillSchemaError(
            f"{where}: skill field {field_name}({', '.join(field.args)}) must take one argument "
            f"`{INPUT_ARGUMENT}` of an input object type (or none)"
        )
    return named


def match_skill_fields(
    manifest: AppManifest, schema: GraphQLSchema, package: str, source: Path | str
) -> list[SkillField]:
    """Pair every skill of app.yml with its schema field; raise naming both on any mismatch."""
    roots = _root_fields(schema)
    declared = manifest.skill_fields()
    problems = [
        f"skill {skill.name!r} in {source} has no Mutation or Subscription field {field_name} in "
        f"{package}.schema"
        for field_name, skill in declared.items()
        if field_name not in roots
    ]
    skill_like = re.compile(rf"^{manifest.name}[A-Z]")
    problems += [
        f"{roots[name][0].title()} field {name} in {package}.schema is named like a skill of "
        f"{manifest.name!r} but {source} declares no skill "
        f"{name[len(manifest.name)].lower() + name[len(manifest.name) + 1 :]!r}"
        for name in roots
        if skill_like.match(name) and name not in declared
    ]
    if problems:
        raise SkillSchemaError("; ".join(problems))
    return [
        _matched(field_name, skill, roots[field_name], package, source)
        for field_name, skill in declared.items()
    ]


def _matched(
    field_name: str,
    skill: SkillManifest,
    root: tuple[SkillOperation, GraphQLField],
    package: str,
    source: Path | str,
) -> SkillField:
    operation, field = root
    where = f"{source} skill {skill.name!r} / {operation} field {field_name}"
    input_type = _field_input(field_name, field, where)
    try:
        expected = declared_input_name(skill, package, field_name)
    except (SkillSchemaError, ImportError, AttributeError) as error:
        raise SkillSchemaError(f"{where}: {error}") from error
    actual = input_type.name if input_type is not None else None
    if expected is not None and expected != actual:
        raise SkillSchemaError(
            f"{where}: the skill's input type is {expected} but the field's `input` argument "
            f"is {actual or 'missing'}"
        )
    return SkillField(skill, field_name, operation, input_type)
