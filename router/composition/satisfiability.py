"""Can every field of the API schema be reached from every subgraph that reaches its type?

A simplified version of Apollo's satisfiability check: from each subgraph, walk the types its
root fields reach; a field of such a type that the subgraph does not resolve must be reachable
by jumping (through resolvable @keys the current subgraph can provide) to one that does.
"""

from __future__ import annotations

from collections import deque

from router.composition.errors import CompositionIssue
from router.composition.fieldset import FieldSetError, parse_field_set
from router.composition.model import Subgraph, TypeDef, named_type
from router.composition.supermodel import SType

ROOTS = ("Query", "Mutation", "Subscription")
COMPOSITE = {"object", "interface", "union"}


def _resolves(subgraph: Subgraph, type_name: str, field: str, itf_objects: list[str]) -> bool:
    typedef = subgraph.types.get(type_name)
    if typedef is not None and field in typedef.fields:
        # An external field counts where some @provides of this subgraph provides it.
        external = typedef.fields[field].external
        if not external or (type_name, field) in subgraph.provided:
            return True
    for iface in itf_objects:
        holder = subgraph.types.get(iface)
        if holder is not None and holder.interface_object and field in holder.fields:
            return not holder.fields[field].external
    return False


def _key_fields(text: str) -> list[str]:
    try:
        selection_set = parse_field_set(text)
    except FieldSetError:
        return []
    return [s.name.value for s in selection_set.selections if hasattr(s, "name")]


def _entry_keys(subgraph: Subgraph, type_name: str, itf_objects: list[str]) -> list[str]:
    """Resolvable key field sets through which the router can enter `type_name` here."""
    holders = [subgraph.types.get(type_name)] + [subgraph.types.get(i) for i in itf_objects]
    return [
        key.fields
        for holder in holders
        if holder is not None and (holder.name == type_name or holder.interface_object)
        for key in holder.keys
        if key.resolvable
    ]


def _reachable(subgraph: Subgraph) -> dict[str, str]:
    """Composite types reachable from the subgraph's roots -> a field that reaches them."""
    implementations: dict[str, list[str]] = {}
    for candidate in subgraph.types.values():
        for parent in candidate.interfaces:
            implementations.setdefault(parent, []).append(candidate.name)
    found: dict[str, str] = {root: root for root in ROOTS if root in subgraph.types}
    queue = deque(found)
    while queue:
        typedef: TypeDef = subgraph.types[queue.popleft()]
        targets = [(m, f"{typedef.name}") for m in typedef.members]
        targets += [(i, typedef.name) for i in implementations.get(typedef.name, [])]
        for field in typedef.fields.values():
            if not field.external:
                targets.append((named_type(field.type), f"{typedef.name}.{field.name}"))
        for target, via in targets:
            target_def = subgraph.types.get(target)
            if target_def is not None and target_def.kind in COMPOSITE and target not in found:
                found[target] = found[typedef.name] if typedef.name not in ROOTS else via
                queue.append(target)
    return found


class _Checker:
    def __init__(self, subgraphs: list[Subgraph], types: dict[str, SType], hidden: str) -> None:
        self.subgraphs = subgraphs
        self.types = types
        self.hidden = hidden

    def itf_objects(self, type_name: str) -> list[str]:
        return self.types[type_name].interfaces if type_name in self.types else []

    def can_reach(self, start: Subgraph, type_name: str, field: str) -> bool:
        """Whether some chain of @key jumps from `start` reaches a subgraph resolving `field`."""
        itfs = self.itf_objects(type_name)
        seen = {start.name}
        queue = deque([start])
        while queue:
            current = queue.popleft()
            if _resolves(current, type_name, field, itfs):
                return True
            for other in self.subgraphs:
                if other.name in seen:
                    continue
                for key in _entry_keys(other, type_name, itfs):
                    if all(_resolves(current, type_name, f, itfs) for f in _key_fields(key)):
                        seen.add(other.name)
                        queue.append(other)
                        break
        return False

    def issues(self) -> list[CompositionIssue]:
        issues: list[CompositionIssue] = []
        for subgraph in self.subgraphs:
            for type_name, via in _reachable(subgraph).items():
                stype = self.types.get(type_name)
                if type_name in ROOTS or stype is None or stype.kind != "object":
                    continue
                for name, field in stype.fields.items():
                    if self.hidden in field.directives or self.can_reach(subgraph, type_name, name):
                        continue
                    issues.append(self.issue(subgraph, type_name, name, via))
        return issues

    def issue(self, subgraph: Subgraph, type_name: str, field: str, via: str) -> CompositionIssue:
        itfs = self.itf_objects(type_name)
        owners = [s.name for s in self.subgraphs if _resolves(s, type_name, field, itfs)]
        owned = ", ".join(f'"{o}"' for o in owners) or "no subgraph"
        return CompositionIssue(
            "SATISFIABILITY_ERROR",
            f'Field "{type_name}.{field}" cannot be satisfied from subgraph "{subgraph.name}"'
            f' (which reaches "{type_name}" through "{via}"): it is resolved by {owned}, and'
            f' no chain of resolvable @key on "{type_name}" leads there from "{subgraph.name}"',
        )


def satisfiability_issues(
    subgraphs: list[Subgraph], types: dict[str, SType], hidden: str
) -> list[CompositionIssue]:
    """SATISFIABILITY_ERROR for fields some subgraph's queries could not reach."""
    return _Checker(subgraphs, types, hidden).issues()
