"""Fetch groups: the subgraph operations a plan is built from, before scheduling."""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import VariableDefinitionNode

from router.planner.nodes import (
    FetchNode,
    FieldSelection,
    InlineFragmentSelection,
    OperationKind,
    Selection,
    ValueSetter,
)
from router.planner.selections import OutSet, print_type, print_value


@dataclass(slots=True)
class RepField:
    """A field (or, keyed ``...on T``, a fragment) of an entity representation.

    ``alias`` is the response key under which the parent fetch returned the field.
    """

    alias: str | None = None
    children: dict[str, RepField] = field(default_factory=dict)


def merge_rep(into: dict[str, RepField], other: dict[str, RepField]) -> None:
    """Adds the fields of ``other`` to ``into``."""
    for name, rep in other.items():
        found = into.get(name)
        if found is None:
            into[name] = found = RepField(rep.alias)
        merge_rep(found.children, rep.children)


@dataclass(eq=False, slots=True)
class FetchGroup:
    """One subgraph fetch: a root operation, or ``_entities`` at ``path``."""

    id: int
    graph: str
    service: str
    path: tuple[str, ...]
    entity: bool
    root: OutSet = field(default_factory=OutSet)
    entity_sets: dict[str, OutSet] = field(default_factory=dict)
    requires: dict[str, dict[str, RepField]] = field(default_factory=dict)
    input_rewrites: list[ValueSetter] = field(default_factory=list)
    deps: set[FetchGroup] = field(default_factory=set)

    def entity_set(self, type_name: str) -> OutSet:
        """The selections under ``... on type_name`` of ``_entities``."""
        found = self.entity_sets.get(type_name)
        if found is None:
            found = self.entity_sets[type_name] = OutSet()
        return found

    def representation(self, type_name: str) -> dict[str, RepField]:
        """The representation fields required for objects of ``type_name``."""
        found = self.requires.get(type_name)
        if found is None:
            found = self.requires[type_name] = {"__typename": RepField()}
        return found

    def is_empty(self) -> bool:
        """True when nothing was selected (the group is then dropped)."""
        if self.entity:
            return not any(s.has_fields() for s in self.entity_sets.values())
        return not self.root.has_fields()

    def to_node(
        self,
        kind: OperationKind,
        operation_name: str | None,
        definitions: dict[str, VariableDefinitionNode],
    ) -> FetchNode:
        """The fetch node with its printed operation."""
        variables: set[str] = set()
        for selections in self.entity_sets.values() if self.entity else (self.root,):
            selections.collect_variables(variables)
        used = [name for name in definitions if name in variables]
        var_defs = [_print_definition(definitions[name]) for name in used]
        head: str = kind if not self.entity else "query"
        if operation_name:
            head += " " + operation_name
        if self.entity:
            var_defs.insert(0, "$representations:[_Any!]!")
            body = "".join(
                f"...on {t}{s.print()}" for t, s in self.entity_sets.items() if s.has_fields()
            )
            selection = "{_entities(representations:$representations){" + body + "}}"
        else:
            selection = self.root.print()
        if var_defs:
            head += "(" + ",".join(var_defs) + ")"
        return FetchNode(
            service_name=self.service,
            operation=head + selection,
            operation_kind=kind if not self.entity else "query",
            operation_name=operation_name,
            variable_usages=tuple(used),
            requires=self._requires() if self.entity else None,
            input_rewrites=tuple(self.input_rewrites),
        )

    def _requires(self) -> tuple[Selection, ...]:
        return tuple(
            InlineFragmentSelection(type_name, _rep_selections(fields))
            for type_name, fields in self.requires.items()
        )


def _rep_selections(fields: dict[str, RepField]) -> tuple[Selection, ...]:
    out: list[Selection] = []
    for name, rep in fields.items():
        children = _rep_selections(rep.children)
        if name.startswith("...on "):
            out.append(InlineFragmentSelection(name[6:], children))
        else:
            out.append(FieldSelection(name, children, alias=rep.alias))
    return tuple(out)


def _print_definition(node: VariableDefinitionNode) -> str:
    text = f"${node.variable.name.value}:{print_type(node.type)}"
    if node.default_value is not None:
        text += "=" + print_value(node.default_value)
    return text
