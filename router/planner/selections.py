"""Client selections (fragments expanded) and the mutable selection trees of fetches."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from graphql import (
    ArgumentNode,
    BooleanValueNode,
    DirectiveNode,
    EnumValueNode,
    FieldNode,
    FloatValueNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    IntValueNode,
    ListTypeNode,
    ListValueNode,
    NamedTypeNode,
    NonNullTypeNode,
    NullValueNode,
    ObjectValueNode,
    SelectionSetNode,
    StringValueNode,
    TypeNode,
    ValueNode,
    VariableNode,
)
from graphql.language.print_string import print_string


@dataclass(frozen=True, slots=True)
class QField:
    """A client (or field-set) field: response key, arguments and directives printed compactly."""

    name: str
    alias: str | None
    args: str
    directives: str
    variables: frozenset[str]
    selections: tuple[QSelection, ...] = ()

    @property
    def response_key(self) -> str:
        """The alias, or the field name."""
        return self.alias or self.name


@dataclass(frozen=True, slots=True)
class QFragment:
    """An inline fragment (named fragments are expanded into these)."""

    type_condition: str | None
    directives: str
    variables: frozenset[str]
    selections: tuple[QSelection, ...]


QSelection = QField | QFragment


# --- compact printing -------------------------------------------------------------------


def print_value(node: ValueNode) -> str:
    """A GraphQL value without optional whitespace."""
    if isinstance(node, VariableNode):
        return "$" + node.name.value
    if isinstance(node, IntValueNode | FloatValueNode | EnumValueNode):
        return node.value
    if isinstance(node, StringValueNode):
        return print_string(node.value)
    if isinstance(node, BooleanValueNode):
        return "true" if node.value else "false"
    if isinstance(node, NullValueNode):
        return "null"
    if isinstance(node, ListValueNode):
        return "[" + ",".join(print_value(v) for v in node.values) + "]"
    if isinstance(node, ObjectValueNode):
        return "{" + ",".join(f"{f.name.value}:{print_value(f.value)}" for f in node.fields) + "}"
    raise TypeError(f"unexpected value node {node.kind}")


def print_type(node: TypeNode) -> str:
    """A type reference such as ``[ID!]!``."""
    if isinstance(node, NonNullTypeNode):
        return print_type(node.type) + "!"
    if isinstance(node, ListTypeNode):
        return "[" + print_type(node.type) + "]"
    assert isinstance(node, NamedTypeNode)
    return node.name.value


def _variables_in(node: ValueNode, into: set[str]) -> None:
    if isinstance(node, VariableNode):
        into.add(node.name.value)
    elif isinstance(node, ListValueNode):
        for item in node.values:
            _variables_in(item, into)
    elif isinstance(node, ObjectValueNode):
        for object_field in node.fields:
            _variables_in(object_field.value, into)


def _print_args(args: Sequence[ArgumentNode], used: set[str]) -> str:
    if not args:
        return ""
    for arg in args:
        _variables_in(arg.value, used)
    return "(" + ",".join(f"{a.name.value}:{print_value(a.value)}" for a in args) + ")"


# Delivery directives the router answers itself (it sends whole responses); not forwarded.
_ROUTER_ONLY_DIRECTIVES = frozenset({"defer", "stream"})


def _print_directives(directives: Sequence[DirectiveNode] | None, used: set[str]) -> str:
    return "".join(
        "@" + d.name.value + _print_args(d.arguments or (), used)
        for d in directives or ()
        if d.name.value not in _ROUTER_ONLY_DIRECTIVES
    )


# --- document -> QSelection -------------------------------------------------------------


class SelectionReader:
    """Turns graphql-core selection sets into QSelections, expanding named fragments."""

    def __init__(self, fragments: Mapping[str, FragmentDefinitionNode]) -> None:
        self.fragments = fragments

    def read(self, node: SelectionSetNode | None, depth: int = 0) -> tuple[QSelection, ...]:
        """The selections of a selection set."""
        if node is None:
            return ()
        if depth > 200:
            raise ValueError("fragment cycle or selection nesting too deep")
        out: list[QSelection] = []
        for sel in node.selections:
            used: set[str] = set()
            if isinstance(sel, FieldNode):
                args = _print_args(sel.arguments or (), used)
                dirs = _print_directives(sel.directives, used)
                children = self.read(sel.selection_set, depth + 1)
                alias = sel.alias.value if sel.alias else None
                if alias == sel.name.value:
                    alias = None
                out.append(QField(sel.name.value, alias, args, dirs, frozenset(used), children))
            elif isinstance(sel, InlineFragmentNode):
                cond = sel.type_condition.name.value if sel.type_condition else None
                dirs = _print_directives(sel.directives, used)
                children = self.read(sel.selection_set, depth + 1)
                out.append(QFragment(cond, dirs, frozenset(used), children))
            elif isinstance(sel, FragmentSpreadNode):
                fragment = self.fragments[sel.name.value]
                dirs = _print_directives(sel.directives, used)
                children = self.read(fragment.selection_set, depth + 1)
                cond = fragment.type_condition.name.value
                out.append(QFragment(cond, dirs, frozenset(used), children))
        return tuple(out)


# --- fetch selection trees ----------------------------------------------------------------


@dataclass(eq=False, slots=True)
class OutField:
    """A field in a fetch's selection tree."""

    name: str
    alias: str | None
    args: str
    directives: str
    children: OutSet | None = None
    variables: frozenset[str] = frozenset()


@dataclass(eq=False, slots=True)
class OutFragment:
    """An inline fragment in a fetch's selection tree."""

    type_condition: str | None
    directives: str
    children: OutSet
    variables: frozenset[str] = frozenset()


@dataclass(eq=False, slots=True)
class OutSet:
    """An ordered, merging selection set; ``reserved`` holds client response keys below it."""

    items: dict[tuple[str, ...], OutField | OutFragment] = field(default_factory=dict)
    reserved: dict[str, tuple[str, str]] = field(default_factory=dict)
    parent: OutSet | None = None  # set for fragment bodies: they fill the same object

    def add_field(
        self,
        name: str,
        alias: str | None,
        args: str,
        directives: str,
        composite: bool,
        variables: frozenset[str] = frozenset(),
    ) -> OutField:
        """The field with this response key and directives, created when missing."""
        key = ("f", alias or name, directives)
        found = self.items.get(key)
        if found is None:
            children = OutSet() if composite else None
            found = OutField(name, alias, args, directives, children, variables)
            self.items[key] = found
        assert isinstance(found, OutField)
        return found

    def add_fragment(
        self, type_condition: str | None, directives: str, variables: frozenset[str] = frozenset()
    ) -> OutSet:
        """The children of the inline fragment with this condition and directives."""
        key = ("i", type_condition or "", directives)
        found = self.items.get(key)
        if found is None:
            found = OutFragment(type_condition, directives, OutSet(parent=self), variables)
            self.items[key] = found
        assert isinstance(found, OutFragment)
        return found.children

    def taken(self, response_key: str) -> tuple[str, str] | None:
        """The (name, args) using a response key at this level, from fields or reservations."""
        for item in self.items.values():
            if isinstance(item, OutField) and (item.alias or item.name) == response_key:
                return (item.name, item.args)
        found = self.reserved.get(response_key)
        if found is None and self.parent is not None:
            return self.parent.taken(response_key)
        return found

    def print(self) -> str:
        """``{a b{c}...on T{d}}``."""
        parts: list[str] = []
        for item in self.items.values():
            if isinstance(item, OutField):
                head = f"{item.alias}:{item.name}" if item.alias else item.name
                body = item.children.print() if item.children is not None else ""
                parts.append(head + item.args + item.directives + body)
            elif item.children.has_fields():
                # Fragments whose fields all went to other fetches are dropped.
                cond = f"...on {item.type_condition}" if item.type_condition else "..."
                parts.append(cond + item.directives + item.children.print())
        # A composite field must select something even when every child moved elsewhere.
        return "{" + (" ".join(parts) or "__typename") + "}"

    def collect_variables(self, into: set[str]) -> None:
        """Adds the variables used by what ``print`` writes."""
        for item in self.items.values():
            if isinstance(item, OutField):
                into |= item.variables
                if item.children is not None:
                    item.children.collect_variables(into)
            elif item.children.has_fields():
                into |= item.variables
                item.children.collect_variables(into)

    def has_fields(self) -> bool:
        """Whether any field is selected here or in nested fragments."""
        return any(
            isinstance(item, OutField) or item.children.has_fields() for item in self.items.values()
        )

    def __bool__(self) -> bool:
        return bool(self.items)


def reserve_client_keys(target: OutSet, selections: Sequence[QSelection]) -> None:
    """Records the response keys clients use at this level, so internal fields avoid them."""
    for sel in _flat_fields(selections):
        target.reserved.setdefault(sel.response_key, (sel.name, sel.args))


def _flat_fields(selections: Sequence[QSelection]) -> Iterator[QField]:
    for sel in selections:
        if isinstance(sel, QField):
            yield sel
        else:
            yield from _flat_fields(sel.selections)
