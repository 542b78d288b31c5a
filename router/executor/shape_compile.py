"""Compiles a client operation into a response shape: plain tuples walked per request.

A shape is ``(fields, by_type, default)``: ``fields`` is the entry tuple when the
parent type is an object type (no lookup at run time); otherwise ``by_type``
maps each possible ``__typename`` to its entries and ``default`` serves an
unknown one. An entry is ``(response_key, kind, nullable, payload, coordinate)``;
for ``OBJECT`` the payload is a shape, for ``LIST`` it is
``(item_kind, item_nullable, item_payload, coordinate)``, for ``TYPENAME`` the
concrete type name (None: read ``__typename`` from the data). Fragments,
type conditions and ``@skip``/``@include`` are resolved at compile time for
one assignment of the boolean variables they use.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    BooleanValueNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLCompositeType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    NamedTypeNode,
    Node,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    is_abstract_type,
    is_leaf_type,
    visit,
)
from graphql.language import Visitor

LEAF = 0
TYPENAME = 1
OBJECT = 2
LIST = 3
INTROSPECTION = 4

Entry = tuple[str, int, bool, Any, str]
Shape = tuple[tuple[Entry, ...] | None, dict[str, tuple[Entry, ...]], tuple[Entry, ...]]

INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})


def select_operation(document: DocumentNode, operation_name: str | None) -> OperationDefinitionNode:
    """The operation to run, chosen by name as the spec says."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is None:
        if len(operations) != 1:
            raise ValueError("Must provide operation name if query contains multiple operations.")
        return operations[0]
    for operation in operations:
        if operation.name is not None and operation.name.value == operation_name:
            return operation
    raise ValueError(f"Unknown operation named '{operation_name}'.")


def root_type(schema: GraphQLSchema, operation: OperationDefinitionNode) -> GraphQLObjectType:
    """The root object type an operation starts from."""
    root = {
        OperationType.QUERY: schema.query_type,
        OperationType.MUTATION: schema.mutation_type,
        OperationType.SUBSCRIPTION: schema.subscription_type,
    }[operation.operation]
    if root is None:
        raise ValueError(f"Schema is not configured for {operation.operation.value}s.")
    return root


def condition_variables(document: DocumentNode) -> tuple[str, ...]:
    """The variables that ``@skip``/``@include`` read, in a stable order."""
    names: set[str] = set()

    class _Collect(Visitor):
        def enter_directive(self, node: Any, *_: Any) -> None:
            if node.name.value in ("skip", "include"):
                for argument in node.arguments:
                    if isinstance(argument.value, VariableNode):
                        names.add(argument.value.name.value)

    visit(document, _Collect())
    return tuple(sorted(names))


def compile_shape(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    conditions: Mapping[str, bool],
) -> Shape:
    """The root shape of ``operation`` for one assignment of its condition variables."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    compiler = _Compiler(schema, fragments, conditions, root_type(schema, operation))
    return compiler.shape(compiler.root, [operation.selection_set])


class _Compiler:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        conditions: Mapping[str, bool],
        root: GraphQLObjectType,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.conditions = conditions
        self.root = root

    def shape(self, parent: GraphQLCompositeType, selection_sets: list[SelectionSetNode]) -> Shape:
        if isinstance(parent, GraphQLObjectType):
            entries = self.entries(parent, parent, selection_sets)
            return (entries, {parent.name: entries}, entries)
        assert is_abstract_type(parent)
        by_type = {
            member.name: self.entries(member, parent, selection_sets)
            for member in self.schema.get_possible_types(parent)  # type: ignore[arg-type]
        }
        return (None, by_type, self.entries(None, parent, selection_sets))

    def entries(
        self,
        runtime: GraphQLObjectType | None,
        parent: GraphQLCompositeType,
        selection_sets: list[SelectionSetNode],
    ) -> tuple[Entry, ...]:
        grouped: dict[str, list[FieldNode]] = {}
        for selection_set in selection_sets:
            self.collect(runtime, parent, selection_set, grouped, set())
        owner = runtime or parent
        entries: list[Entry] = []
        for key, nodes in grouped.items():
            name = nodes[0].name.value
            coordinate = f"{owner.name}.{name}"
            if name == "__typename":
                entries.append((key, TYPENAME, False, runtime.name if runtime else None, ""))
                continue
            if name in INTROSPECTION_FIELDS and owner is self.root:
                nullable = name == "__type"
                entries.append((key, INTROSPECTION, nullable, None, coordinate))
                continue
            field = getattr(owner, "fields", {}).get(name)
            if field is None:
                continue  # e.g. an interface field asked of an unknown concrete type
            kind, nullable, payload = self.value(field.type, nodes, coordinate)
            entries.append((key, kind, nullable, payload, coordinate))
        return tuple(entries)

    def value(
        self, type_: GraphQLOutputType, nodes: list[FieldNode], coordinate: str
    ) -> tuple[int, bool, Any]:
        nullable = True
        if isinstance(type_, GraphQLNonNull):
            nullable = False
            type_ = type_.of_type
        if isinstance(type_, GraphQLList):
            item_kind, item_nullable, item_payload = self.value(type_.of_type, nodes, coordinate)
            return LIST, nullable, (item_kind, item_nullable, item_payload, coordinate)
        if is_leaf_type(type_):
            return LEAF, nullable, None
        selection_sets = [node.selection_set for node in nodes if node.selection_set is not None]
        return OBJECT, nullable, self.shape(type_, selection_sets)  # type: ignore[arg-type]

    def collect(
        self,
        runtime: GraphQLObjectType | None,
        parent: GraphQLCompositeType,
        selection_set: SelectionSetNode,
        grouped: dict[str, list[FieldNode]],
        visited: set[str],
    ) -> None:
        for selection in selection_set.selections:
            if not self.included(selection):
                continue
            if isinstance(selection, FieldNode):
                key = (selection.alias or selection.name).value
                grouped.setdefault(key, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                if self.applies(runtime, parent, selection.type_condition):
                    self.collect(runtime, parent, selection.selection_set, grouped, visited)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if name in visited or fragment is None:
                    continue
                visited.add(name)
                if self.applies(runtime, parent, fragment.type_condition):
                    self.collect(runtime, parent, fragment.selection_set, grouped, visited)

    def applies(
        self,
        runtime: GraphQLObjectType | None,
        parent: GraphQLCompositeType,
        condition: NamedTypeNode | None,
    ) -> bool:
        if condition is None:
            return True
        condition_type = self.schema.get_type(condition.name.value)
        if condition_type is None:
            return False
        target = runtime or parent
        if condition_type is target:
            return True
        return is_abstract_type(condition_type) and self.schema.is_sub_type(
            condition_type,  # type: ignore[arg-type]
            target,  # type: ignore[arg-type]
        )

    def included(self, selection: Node) -> bool:
        for directive in getattr(selection, "directives", None) or ():
            name = directive.name.value
            if name not in ("skip", "include"):
                continue
            value = False
            for argument in directive.arguments:
                if argument.name.value == "if":
                    value = self.boolean(argument.value)
            if (name == "skip") == value:
                return False
        return True

    def boolean(self, node: Node) -> bool:
        if isinstance(node, BooleanValueNode):
            return node.value
        if isinstance(node, VariableNode):
            return bool(self.conditions.get(node.name.value, False))
        return False
