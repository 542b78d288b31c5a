"""Field sets (`@key(fields:)`, `@requires`, `@provides`): parsing and walking them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from graphql import FieldNode, GraphQLError, InlineFragmentNode, SelectionSetNode, parse

from router.composition.model import TypeDef, named_type

LEAF_KINDS = {"scalar", "enum"}
BUILTIN_SCALARS = {"String", "Int", "Float", "Boolean", "ID"}


@dataclass(frozen=True)
class FieldRef:
    """One field a field set selects: `Type.field`."""

    type_name: str
    field_name: str


class FieldSetError(ValueError):
    """A field set that does not parse or names something that does not exist."""


def parse_field_set(text: str) -> SelectionSetNode:
    """Parses `id org { id }` into a selection set."""
    try:
        document = parse("{" + text + "}", no_location=True)
    except GraphQLError as error:
        raise FieldSetError(f"does not parse ({error.message})") from None
    operation = document.definitions[0]
    selection_set = getattr(operation, "selection_set", None)
    assert isinstance(selection_set, SelectionSetNode)
    return selection_set


def walk_field_set(
    types: dict[str, TypeDef], parent: str, selection_set: SelectionSetNode
) -> Iterator[FieldRef]:
    """Yields each selected field, raising `FieldSetError` when one is invalid."""
    parent_type = types.get(parent)
    for selection in selection_set.selections:
        if isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition.name.value if selection.type_condition else parent
            if condition not in types:
                raise FieldSetError(f'type condition "{condition}" is not a type in this subgraph')
            yield from walk_field_set(types, condition, selection.selection_set)
            continue
        if not isinstance(selection, FieldNode):
            raise FieldSetError("fragment spreads are not allowed in field sets")
        name = selection.name.value
        if name == "__typename":
            continue
        if parent_type is None or name not in parent_type.fields:
            raise FieldSetError(f'cannot query field "{name}" on type "{parent}"')
        yield FieldRef(parent, name)
        child = named_type(parent_type.fields[name].type)
        child_type = types.get(child)
        is_leaf = child in BUILTIN_SCALARS or (
            child_type is not None and child_type.kind in LEAF_KINDS
        )
        if is_leaf and selection.selection_set:
            raise FieldSetError(f'field "{parent}.{name}" is a leaf and cannot have a selection')
        if not is_leaf and not selection.selection_set:
            raise FieldSetError(
                f'field "{parent}.{name}" of composite type "{child}" needs a selection'
            )
        if selection.selection_set:
            yield from walk_field_set(types, child, selection.selection_set)


def field_set_refs(types: dict[str, TypeDef], parent: str, text: str) -> list[FieldRef]:
    """All fields a field set touches (validating it)."""
    return list(walk_field_set(types, parent, parse_field_set(text)))
