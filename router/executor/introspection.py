"""Introspection (``__schema``, ``__type``) answered by the router from the API schema.

Only those root fields are executed, with graphql-core, from a copy of the
client operation stripped of every other root field; the shaper places their
results among the planned fields in request order. Root ``__typename`` needs no
execution: the shape answers it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    InlineFragmentNode,
    NamedTypeNode,
    NameNode,
    OperationDefinitionNode,
    OperationType,
    SelectionNode,
    SelectionSetNode,
    execute_sync,
)

from router.executor.errors import GraphQLErrorDict
from router.executor.shape_compile import INTROSPECTION_FIELDS, select_operation


class IntrospectionPart:
    """The introspection root fields of one operation, ready to execute."""

    def __init__(self, schema: GraphQLSchema, document: DocumentNode, operation_name: str | None):
        self.schema = schema
        operation = select_operation(document, operation_name)
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        selections = (
            _only_introspection(operation.selection_set, fragments)
            if operation.operation == OperationType.QUERY
            else ()
        )
        self.document: DocumentNode | None = None
        if selections:
            stripped = OperationDefinitionNode(
                operation=OperationType.QUERY,
                name=operation.name,
                variable_definitions=operation.variable_definitions,
                directives=(),
                selection_set=SelectionSetNode(selections=selections),
            )
            self.document = DocumentNode(definitions=(stripped, *fragments.values()))
        self._uses_variables = bool(operation.variable_definitions)
        self._cached: tuple[dict[str, Any], list[GraphQLErrorDict]] | None = None

    @property
    def present(self) -> bool:
        """Whether the operation asks for ``__schema`` or ``__type`` at its root."""
        return self.document is not None

    def resolve(
        self, variables: Mapping[str, Any] | None
    ) -> tuple[dict[str, Any], list[GraphQLErrorDict]]:
        """Executes the introspection fields; cached when the operation has no variables."""
        if self.document is None:
            return {}, []
        if self._cached is not None:
            return self._cached
        result = execute_sync(self.schema, self.document, variable_values=dict(variables or {}))
        answer = (
            dict(result.data or {}),
            [dict(error.formatted) for error in result.errors or ()],
        )
        if not self._uses_variables:
            self._cached = answer
        return answer


def _only_introspection(
    selection_set: SelectionSetNode, fragments: Mapping[str, FragmentDefinitionNode]
) -> tuple[SelectionNode, ...]:
    kept: list[SelectionNode] = []
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if selection.name.value in INTROSPECTION_FIELDS:
                kept.append(selection)
            continue
        if isinstance(selection, InlineFragmentNode):
            condition, directives = selection.type_condition, selection.directives
            inner = _only_introspection(selection.selection_set, fragments)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is None:
                continue
            condition = NamedTypeNode(name=NameNode(value=fragment.type_condition.name.value))
            directives = selection.directives
            inner = _only_introspection(fragment.selection_set, fragments)
        else:
            continue
        if inner:
            kept.append(
                InlineFragmentNode(
                    type_condition=condition,
                    directives=directives,
                    selection_set=SelectionSetNode(selections=inner),
                )
            )
    return tuple(kept)
