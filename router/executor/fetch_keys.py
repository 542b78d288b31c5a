"""The response keys a fetch operation fills, to null them when the fetch fails."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    parse,
)


class OperationKeys:
    """The response keys a fetch operation fills: at its root, and per entity type."""

    __slots__ = ("entity", "root")

    def __init__(
        self, root: tuple[str, ...], entity: tuple[tuple[str | None, tuple[str, ...]], ...]
    ):
        self.root = root
        self.entity = entity


@lru_cache(maxsize=2048)
def operation_keys(operation: str) -> OperationKeys:
    """Parses a fetch operation (once; only needed when a fetch fails)."""
    document = parse(operation, no_location=True)
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    op = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    root: list[str] = []
    entity: list[tuple[str | None, tuple[str, ...]]] = []
    for _condition, field in _fields(op.selection_set, None, fragments):
        if field.name.value == "_entities" and field.selection_set is not None:
            for inner_condition, inner in _fields(field.selection_set, None, fragments):
                if inner.name.value != "__typename":
                    entity.append((inner_condition, ((inner.alias or inner.name).value,)))
        elif field.name.value != "__typename":
            root.append((field.alias or field.name).value)
    return OperationKeys(tuple(dict.fromkeys(root)), tuple(entity))


def _fields(
    selection_set: SelectionSetNode,
    condition: str | None,
    fragments: Mapping[str, FragmentDefinitionNode],
) -> list[tuple[str | None, FieldNode]]:
    found: list[tuple[str | None, FieldNode]] = []
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            found.append((condition, selection))
        elif isinstance(selection, InlineFragmentNode):
            inner = selection.type_condition.name.value if selection.type_condition else condition
            found.extend(_fields(selection.selection_set, inner, fragments))
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value in fragments:
            fragment = fragments[selection.name.value]
            found.extend(
                _fields(fragment.selection_set, fragment.type_condition.name.value, fragments)
            )
    return found
