"""MISSING_TRANSITIVE_AUTH_REQUIREMENTS: a field that @requires protected data must be
protected at least as much (Apollo's rule, checked on the merged supergraph)."""

from __future__ import annotations

from dataclasses import dataclass

from graphql import (
    FieldNode,
    InlineFragmentNode,
    ListValueNode,
    ScalarTypeDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    parse,
)

from router.composition.access import dnf_conjunction
from router.composition.errors import CompositionIssue
from router.composition.fieldset import FieldSetError, parse_field_set
from router.composition.model import Subgraph, named_type
from router.composition.supermodel import SType

DNF = list[list[str]]


@dataclass
class AuthRequirements:
    """What an element demands: authentication, scopes and policies (OR of ANDs)."""

    authenticated: bool = False
    scopes: DNF | None = None
    policies: DNF | None = None

    def satisfies(self, other: AuthRequirements | None) -> bool:
        """Whether meeting these requirements also meets `other`'s."""
        if other is None:
            return True
        authenticated = self.authenticated or not other.authenticated
        return (
            authenticated
            and _implies(self.scopes, other.scopes)
            and _implies(self.policies, other.policies)
        )


def _implies(first: DNF | None, second: DNF | None) -> bool:
    left = first or [[]]
    right = second or [[]]
    return all(any(set(inner2) <= set(inner1) for inner2 in right) for inner1 in left)


def _dnf_argument(text: str) -> DNF:
    node = parse(f"scalar X {text}", no_location=True).definitions[0]
    assert isinstance(node, ScalarTypeDefinitionNode) and node.directives
    value = node.directives[0].arguments[0].value
    assert isinstance(value, ListValueNode)
    return [
        [v.value for v in inner.values if isinstance(v, StringValueNode)]
        for inner in value.values
        if isinstance(inner, ListValueNode)
    ]


def requirements(directives: list[str], names: dict[str, str]) -> AuthRequirements | None:
    """The access-control requirements among printed supergraph directives."""
    found = AuthRequirements()
    for text in directives:
        name = text[1:].split("(", 1)[0]
        if name == names.get("authenticated", "authenticated"):
            found.authenticated = True
        elif name == names.get("requiresScopes", "requiresScopes"):
            found.scopes = _dnf_argument(text)
        elif name == names.get("policy", "policy"):
            found.policies = _dnf_argument(text)
    if found.authenticated or found.scopes is not None or found.policies is not None:
        return found
    return None


def _combine(*parts: AuthRequirements | None) -> AuthRequirements:
    combined = AuthRequirements()
    scopes = [p.scopes for p in parts if p is not None and p.scopes is not None]
    policies = [p.policies for p in parts if p is not None and p.policies is not None]
    combined.authenticated = any(p is not None and p.authenticated for p in parts)
    combined.scopes = dnf_conjunction(scopes) if scopes else None
    combined.policies = dnf_conjunction(policies) if policies else None
    return combined


class _Walker:
    def __init__(self, types: dict[str, SType], names: dict[str, str]) -> None:
        self.types = types
        self.names = names

    def of_type(self, name: str) -> AuthRequirements | None:
        stype = self.types.get(name)
        return requirements(stype.directives, self.names) if stype is not None else None

    def missing(
        self, needs: AuthRequirements, parent: str, selection_set: SelectionSetNode
    ) -> str | None:
        """The first selected element `needs` does not cover, as a message fragment."""
        for selection in selection_set.selections:
            if isinstance(selection, InlineFragmentNode):
                condition = (
                    selection.type_condition.name.value if selection.type_condition else parent
                )
                if not needs.satisfies(self.of_type(condition)):
                    return f'data in inline fragment type condition "{condition}"'
                found = self.missing(needs, condition, selection.selection_set)
            elif isinstance(selection, FieldNode):
                found = self.missing_on_field(needs, parent, selection)
            else:
                found = None
            if found:
                return found
        return None

    def missing_on_field(
        self, needs: AuthRequirements, parent: str, selection: FieldNode
    ) -> str | None:
        stype = self.types.get(parent)
        name = selection.name.value
        if stype is None or name not in stype.fields:
            return None
        field = stype.fields[name]
        target = named_type(field.type)
        protected = requirements(field.directives, self.names)
        if not (needs.satisfies(protected) and needs.satisfies(self.of_type(target))):
            return f'field "{parent}.{name}" data'
        if selection.selection_set:
            return self.missing(needs, target, selection.selection_set)
        return None


def _issue(subgraph: str, coordinate: str, missing: str) -> CompositionIssue:
    return CompositionIssue(
        "MISSING_TRANSITIVE_AUTH_REQUIREMENTS",
        f'[{subgraph}] Field "{coordinate}" does not specify necessary @authenticated,'
        " @requiresScopes and/or @policy auth requirements to access the transitive"
        f" {missing} from @requires selection set.",
    )


def transitive_auth_issues(
    subgraphs: list[Subgraph], types: dict[str, SType], names: dict[str, str]
) -> list[CompositionIssue]:
    """Fields whose @requires reads data protected more than they are."""
    walker = _Walker(types, names)
    issues: list[CompositionIssue] = []
    for subgraph in subgraphs:
        for typedef in subgraph.types.values():
            stype = types.get(typedef.name)
            for field in typedef.fields.values():
                if field.requires is None or stype is None or field.name not in stype.fields:
                    continue
                own = requirements(stype.fields[field.name].directives, names)
                needs = _combine(walker.of_type(typedef.name), own)
                try:
                    selection_set = parse_field_set(field.requires)
                except FieldSetError:
                    continue
                missing = walker.missing(needs, typedef.name, selection_set)
                if missing:
                    coordinate = f"{typedef.name}.{field.name}"
                    issues.append(_issue(subgraph.name, coordinate, missing))
    return issues
