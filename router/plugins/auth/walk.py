"""Walks an operation field by field: what each selection demands, and the operation
without the selections a caller may not make.

Named fragments are walked (and, in a filtered operation, inlined) at every place they
are spread, so the same fragment can keep a field in one place and lose it in another.
Each field selection gets an id in walk order; filtering walks in the same order and
drops the ids it is given. A selection set left empty takes its field away with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    NamedTypeNode,
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
    VariableNode,
    visit,
)
from graphql.language import Visitor
from graphql.language.location import get_location

from router.plugins.auth.rules import AuthRules, Requirement

PathPattern = tuple[str | None, ...]  # response keys; None stands for any list index


@dataclass(frozen=True, slots=True)
class Selection:
    """One field selection at one place of the operation."""

    id: int
    coordinate: str  # Type.field as selected (the interface for interface fields)
    requirement: Requirement
    pattern: PathPattern  # response path with None for list indices
    error_path: tuple[str, ...]  # response path, cut after the first list field
    location: dict[str, int] | None


@dataclass(slots=True)
class Filtered:
    """The operation rebuilt without some selections."""

    operation: OperationDefinitionNode | None  # None when no root field is left
    emptied: list[PathPattern] = field(default_factory=list)  # fields dropped as empty


def _unwrap(type_: GraphQLOutputType) -> tuple[GraphQLNamedType, int]:
    depth = 0
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        if isinstance(type_, GraphQLList):
            depth += 1
        type_ = type_.of_type
    assert isinstance(type_, GraphQLNamedType)
    return type_, depth


def _location(node: FieldNode) -> dict[str, int] | None:
    if node.loc is None:
        return None
    where = get_location(node.loc.source, node.loc.start)
    return {"line": where.line, "column": where.column}


class OperationTooLarge(Exception):
    """The operation selects more fields (fragments counted at each spread) than allowed."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"The operation selects more than {limit} fields")
        self.limit = limit


class OperationWalk:
    """Walks one operation of a validated document against the API schema and the rules."""

    def __init__(
        self,
        schema: GraphQLSchema,
        rules: AuthRules,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        max_selections: int = 10_000,
    ) -> None:
        self.max_selections = max_selections
        self.schema = schema
        self.rules = rules
        self.operation = operation
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.selections: list[Selection] = []
        self._dropped: frozenset[int] = frozenset()
        self._next = 0
        self._emptied: list[PathPattern] = []
        self._inside: dict[int, int] = {}  # selection id -> how many selections it holds

    def analyse(self) -> list[Selection]:
        """Every checked field selection of the operation, in walk order."""
        self._walk_root(frozenset())
        return self.selections

    def without(self, dropped: frozenset[int]) -> Filtered:
        """The operation without the selections `dropped` (ids from `analyse`).

        Afterwards `selections` lists only those walked: none inside a dropped field.
        """
        self.selections = []
        selection_set = self._walk_root(dropped)
        if selection_set is None:
            return Filtered(None, self._emptied)
        used = _used_variables(selection_set)
        definitions = tuple(
            d for d in self.operation.variable_definitions or () if d.variable.name.value in used
        )
        operation = OperationDefinitionNode(
            operation=self.operation.operation,
            name=self.operation.name,
            variable_definitions=definitions,
            directives=self.operation.directives,
            selection_set=selection_set,
        )
        return Filtered(operation, self._emptied)

    def _walk_root(self, dropped: frozenset[int]) -> SelectionSetNode | None:
        self._dropped, self._next, self._emptied = dropped, 0, []
        root = self.schema.get_root_type(self.operation.operation)
        assert root is not None
        return self._selection_set(self.operation.selection_set, root, (), ())

    def _selection_set(
        self,
        node: SelectionSetNode,
        parent: GraphQLNamedType,
        pattern: PathPattern,
        error_path: tuple[str, ...],
    ) -> SelectionSetNode | None:
        kept: list[SelectionNode] = []
        for selection in node.selections:
            new: SelectionNode | None
            if isinstance(selection, FieldNode):
                new = self._field(selection, parent, pattern, error_path)
            else:
                new = self._fragment(selection, parent, pattern, error_path)
            if new is not None:
                kept.append(new)
        return SelectionSetNode(selections=tuple(kept)) if kept else None

    def _fragment(
        self,
        node: SelectionNode,
        parent: GraphQLNamedType,
        pattern: PathPattern,
        error_path: tuple[str, ...],
    ) -> InlineFragmentNode | None:
        if isinstance(node, FragmentSpreadNode):
            definition = self.fragments[node.name.value]
            condition: NamedTypeNode | None = definition.type_condition
            body = definition.selection_set
        else:
            assert isinstance(node, InlineFragmentNode)
            condition, body = node.type_condition, node.selection_set
        inner = parent
        if condition is not None:
            named = self.schema.get_type(condition.name.value)
            assert named is not None
            inner = named
        selection_set = self._selection_set(body, inner, pattern, error_path)
        if selection_set is None:
            return None
        return InlineFragmentNode(
            type_condition=condition, directives=node.directives, selection_set=selection_set
        )

    def _field(
        self,
        node: FieldNode,
        parent: GraphQLNamedType,
        pattern: PathPattern,
        error_path: tuple[str, ...],
    ) -> FieldNode | None:
        name = node.name.value
        if name.startswith("__"):
            return node  # __typename always; introspection is another plugin's business
        assert isinstance(parent, GraphQLObjectType | GraphQLInterfaceType)
        definition = parent.fields[name]
        returned, depth = _unwrap(definition.type)
        key = node.alias.value if node.alias else name
        here = (*pattern, key, *([None] * depth))
        # Under a list the error path stops at the list field (as Apollo Router reports it).
        own_error_path = error_path if None in pattern else (*error_path, key)
        selection = Selection(
            id=self._next,
            coordinate=f"{parent.name}.{name}",
            requirement=self._requirement(parent, name),
            pattern=(*pattern, key),
            error_path=own_error_path,
            location=_location(node),
        )
        self._next += 1
        if self._next > self.max_selections:
            # Fragments are walked at every spread: a fragment bomb must not walk forever.
            raise OperationTooLarge(self.max_selections)
        self.selections.append(selection)
        if selection.id in self._dropped:
            # Skip the ids of the selections inside, so later ids still match the analysis.
            self._next += self._inside.get(selection.id, 0)
            return None
        if node.selection_set is None:
            return node
        inner = self._selection_set(node.selection_set, returned, here, own_error_path)
        self._inside[selection.id] = self._next - selection.id - 1
        if inner is None:
            self._emptied.append((*pattern, key))
            return None
        return FieldNode(
            alias=node.alias,
            name=node.name,
            arguments=node.arguments,
            directives=node.directives,
            selection_set=inner,
        )

    def _requirement(self, parent: GraphQLNamedType, name: str) -> Requirement:
        """The field's requirement; on an interface, every implementation's too."""
        returned = _unwrap(parent.fields[name].type)[0].name  # type: ignore[attr-defined]
        requirement = self.rules.field(parent.name, name, returned)
        if isinstance(parent, GraphQLInterfaceType | GraphQLUnionType):
            for possible in self.schema.get_possible_types(parent):
                own = possible.fields.get(name)
                if own is not None:
                    own_type = _unwrap(own.type)[0].name
                    requirement = requirement & self.rules.field(possible.name, name, own_type)
        return requirement


def _used_variables(selection_set: SelectionSetNode) -> set[str]:
    used: set[str] = set()

    class Collect(Visitor):
        def enter_variable(self, node: VariableNode, *_: object) -> None:
            used.add(node.name.value)

    visit(selection_set, Collect())
    return used
