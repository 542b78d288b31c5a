"""Apollo's @external rules for @requires/@provides field sets.

Federation 2 (`validateFieldSetSelections` in @apollo/federation-internals): a *leaf*
selection must be @external unless some field above it in the selection is @external (or,
for an interface field, is @external in one of the interface's implementations). Fields with
a sub-selection never need @external themselves, and `__typename` is a leaf that never is.
So `dims { width }` is fine when `dims` is @external even though `Dims.width` (a shareable
value-type field) is not, and also when `dims` is local but `Dims.width` is @external.

Federation 1 (`removeInactiveProvidesAndRequires`, run by the schema upgrade): the same
"non-external leaf" fields are silently removed from the field set instead, and a field set
left empty drops the directive.

Unused @external fields (`collectUsedFields`): Federation 2 rejects them (EXTERNAL_UNUSED),
the Federation 1 upgrade removes them.
"""

from __future__ import annotations

from collections.abc import Callable

from graphql import ArgumentNode, FieldNode, InlineFragmentNode, SelectionSetNode, print_ast

from router.composition.errors import CompositionIssue
from router.composition.fieldset import parse_field_set
from router.composition.model import Field, Subgraph, named_type

Report = Callable[[str, str, Field | None], None]


def _implementation_external(subgraph: Subgraph, parent: str, name: str) -> bool:
    """An interface field counts as external when an implementation marks it @external."""
    if subgraph.types[parent].kind != "interface":
        return False
    for typedef in subgraph.types.values():
        if typedef.kind == "object" and parent in typedef.interfaces:
            field = typedef.fields.get(name)
            if field is not None and field.external:
                return True
    return False


def _condition(selection: InlineFragmentNode, parent: str) -> str:
    return selection.type_condition.name.value if selection.type_condition else parent


def _walk(
    subgraph: Subgraph,
    parent: str,
    selection_set: SelectionSetNode,
    external_above: bool,
    report: Report,
) -> None:
    for selection in selection_set.selections:
        if isinstance(selection, InlineFragmentNode):
            condition = _condition(selection, parent)
            _walk(subgraph, condition, selection.selection_set, external_above, report)
            continue
        assert isinstance(selection, FieldNode)
        name = selection.name.value
        field = subgraph.types[parent].fields.get(name)  # None for __typename
        external = field is not None and field.external
        if field is None or not selection.selection_set:
            if not (external or external_above):
                report(parent, name, field)
            continue
        below = external_above or external or _implementation_external(subgraph, parent, name)
        _walk(subgraph, named_type(field.type), selection.selection_set, below, report)


def missing_external_issues(
    subgraph: Subgraph, parent: str, text: str, where: str, directive: str
) -> list[CompositionIssue]:
    """REQUIRES/PROVIDES_FIELDS_MISSING_EXTERNAL for a valid Federation 2 field set."""
    code = f"{directive.upper()}_FIELDS_MISSING_EXTERNAL"
    issues: list[CompositionIssue] = []

    def report(type_name: str, name: str, field: Field | None) -> None:
        if field is not None and field.fake_external:
            reason = (
                'already "effectively" provided by this subgraph (while it is marked @external,'
                " it is a @key field of an extension type, which are not internally considered"
                " external for historical/backward compatibility reasons)"
            )
        else:
            reason = "already provided by this subgraph (it is not marked @external)"
        issues.append(
            CompositionIssue(
                code,
                f'[{subgraph.name}] On {where}: field "{type_name}.{name}" should not be part'
                f" of a @{directive} since it is {reason}",
            )
        )

    _walk(subgraph, parent, parse_field_set(text), False, report)
    return issues


def _external_or_in_implementation(subgraph: Subgraph, parent: str, name: str) -> bool:
    field = subgraph.types[parent].fields.get(name)
    if field is not None and field.external:
        return True
    return _implementation_external(subgraph, parent, name)


def _selects_local_leaf(subgraph: Subgraph, parent: str, selection_set: SelectionSetNode) -> bool:
    for selection in selection_set.selections:
        if isinstance(selection, InlineFragmentNode):
            condition = _condition(selection, parent)
            if _selects_local_leaf(subgraph, condition, selection.selection_set):
                return True
            continue
        assert isinstance(selection, FieldNode)
        name = selection.name.value
        if _external_or_in_implementation(subgraph, parent, name):
            continue
        if not selection.selection_set:
            return True
        child = named_type(subgraph.types[parent].fields[name].type)
        if _selects_local_leaf(subgraph, child, selection.selection_set):
            return True
    return False


def _print_arguments(arguments: tuple[ArgumentNode, ...] | None) -> str:
    if not arguments:
        return ""
    return "(" + ", ".join(print_ast(argument) for argument in arguments) + ")"


def _print_compact(selection_set: SelectionSetNode) -> str:
    """A selection set on one line, as Apollo's `SelectionSet.toString` prints field sets."""
    printed: list[str] = []
    for selection in selection_set.selections:
        if isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition
            head = f"... on {condition.name.value}" if condition else "..."
        else:
            assert isinstance(selection, FieldNode)
            head = selection.name.value + _print_arguments(selection.arguments)
        inner = selection.selection_set
        printed.append(f"{head} {{ {_print_compact(inner)} }}" if inner else head)
    return " ".join(printed)


def _without_local_leaves(subgraph: Subgraph, parent: str, selection_set: SelectionSetNode) -> str:
    """The field set printed compactly, minus non-external leaves (and emptied selections)."""
    kept: list[str] = []
    for selection in selection_set.selections:
        if isinstance(selection, InlineFragmentNode):
            condition = _condition(selection, parent)
            inner = _without_local_leaves(subgraph, condition, selection.selection_set)
            head = f"... on {condition}" if selection.type_condition else "..."
            if inner:
                kept.append(f"{head} {{ {inner} }}")
            continue
        assert isinstance(selection, FieldNode)
        name = selection.name.value
        head = name + _print_arguments(selection.arguments)
        if _external_or_in_implementation(subgraph, parent, name):
            below = selection.selection_set
            kept.append(f"{head} {{ {_print_compact(below)} }}" if below else head)
        elif selection.selection_set:
            child = named_type(subgraph.types[parent].fields[name].type)
            inner = _without_local_leaves(subgraph, child, selection.selection_set)
            if inner:
                kept.append(f"{head} {{ {inner} }}")
    return " ".join(kept)


def fed1_active_field_set(subgraph: Subgraph, parent: str, text: str) -> str | None:
    """The Fed 1 upgrade's rewrite of a valid field set: unchanged, trimmed, or None (dropped)."""
    selection_set = parse_field_set(text)
    if not _selects_local_leaf(subgraph, parent, selection_set):
        return text
    return _without_local_leaves(subgraph, parent, selection_set) or None


def used_fields(subgraph: Subgraph) -> set[tuple[str, str]]:
    """Apollo's `collectUsedFields`: fields in field sets, plus interface implementations."""
    used = set(subgraph.used_fields)
    implementations: dict[str, list[str]] = {}
    for typedef in subgraph.types.values():
        for interface in typedef.interfaces:
            implementations.setdefault(interface, []).append(typedef.name)
    # A field set selecting an interface field uses it in every implementation too.
    for type_name, name in list(used):
        for implementation in implementations.get(type_name, []):
            if name in subgraph.types[implementation].fields:
                used.add((implementation, name))
    for interface, names in implementations.items():
        holder = subgraph.types.get(interface)
        if holder is None or holder.kind != "interface":
            continue
        for field_name in holder.fields:
            used.update((n, field_name) for n in names if field_name in subgraph.types[n].fields)
    return used


def unused_external_issues(subgraph: Subgraph) -> list[CompositionIssue]:
    """EXTERNAL_UNUSED: a Federation 2 @external field that nothing uses."""
    used = used_fields(subgraph)
    return [
        CompositionIssue(
            "EXTERNAL_UNUSED",
            f'[{subgraph.name}] Field "{typedef.name}.{name}" is marked @external but is not'
            " used in any federation directive (@key, @provides, @requires) or to satisfy an"
            " interface; the field declaration has no use and should be removed (or the field"
            " should not be @external).",
        )
        for typedef in subgraph.types.values()
        if typedef.kind in {"object", "interface"}
        for name, field in typedef.fields.items()
        if field.external and (typedef.name, name) not in used
    ]
