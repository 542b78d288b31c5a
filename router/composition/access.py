"""Access-control directives (@authenticated, @requiresScopes, @policy) across types.

Apollo lifts them from implementations onto interfaces (and through @interfaceObject), and
merges differing @requiresScopes/@policy as a conjunction of their DNF requirements.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from graphql import ListValueNode, StringValueNode

from router.composition.model import Applied, Subgraph
from router.composition.supermodel import SType, gql_string

ACCESS_CONTROL = ("authenticated", "requiresScopes", "policy")
DNF_ARGUMENT = {"requiresScopes": "scopes", "policy": "policies"}
ExtraSources = dict[tuple[str, str], list[list[Applied]]]


def _access(applied: Sequence[Applied]) -> dict[str, list[Applied]]:
    found: dict[str, list[Applied]] = {}
    for application in applied:
        if application.name in ACCESS_CONTROL:
            found.setdefault(application.name, []).append(application)
    return found


def _record(extra: ExtraSources, key: str, applied: Sequence[Applied]) -> None:
    for name, applications in _access(applied).items():
        extra.setdefault((key, name), []).append(applications)


def access_sources(subgraphs: Sequence[Subgraph], types: dict[str, SType]) -> ExtraSources:
    """(`Interface` or `Interface.field`, directive) -> applications on implementations."""
    implementations: dict[str, set[str]] = {}
    interfaces_of: dict[str, set[str]] = {}
    for stype in types.values():
        if stype.kind == "object":
            for iface in stype.interfaces:
                implementations.setdefault(iface, set()).add(stype.name)
                interfaces_of.setdefault(stype.name, set()).add(iface)
    extra: ExtraSources = {}
    for subgraph in subgraphs:
        for typedef in subgraph.types.values():
            if typedef.kind != "object":
                continue
            if not typedef.interface_object:
                for iface in sorted(interfaces_of.get(typedef.name, ())):
                    _record(extra, iface, typedef.directives)
            for field in typedef.fields.values():
                if field.external:
                    continue
                if typedef.interface_object:
                    impls = sorted(implementations.get(typedef.name, ()))
                    others = {i for impl in impls for i in interfaces_of.get(impl, ())}
                    others.discard(typedef.name)
                    targets = impls + sorted(others)
                else:
                    targets = sorted(interfaces_of.get(typedef.name, ()))
                for target in targets:
                    _record(extra, f"{target}.{field.name}", field.directives)
    return extra


def _dnf(application: Applied) -> list[list[str]]:
    argument = DNF_ARGUMENT[application.name]
    for arg in application.node.arguments:
        if arg.name.value == argument and isinstance(arg.value, ListValueNode):
            return [
                [v.value for v in inner.values if isinstance(v, StringValueNode)]
                for inner in arg.value.values
                if isinstance(inner, ListValueNode)
            ]
    return []


def dnf_conjunction(values: list[list[list[str]]]) -> list[list[str]]:
    """AND of several OR-of-AND requirements, simplified like Apollo's DNF_CONJUNCTION."""
    normalised: list[list[list[str]]] = []
    seen: set[str] = set()
    for value in values:
        value = [sorted(inner) for inner in (value or [[]])]
        value.sort(key=json.dumps)
        key = json.dumps(value)
        if key not in seen:
            seen.add(key)
            normalised.append(value)
    result = normalised[0]
    for current in normalised[1:]:
        combined: list[list[str]] = []
        keys: set[str] = set()
        for left in result:
            for right in current:
                candidate = sorted(left + [e for e in right if e not in left])
                if json.dumps(candidate) not in keys:
                    keys.add(json.dumps(candidate))
                    combined.append(candidate)
        combined.sort(key=len)
        result = []
        for candidate in combined:
            if not any(set(kept) <= set(candidate) for kept in result):
                result.append(candidate)
    return result


def merge_dnf(name: str, applications: list[Applied]) -> str:
    """One application holding the conjunction of differing @requiresScopes/@policy."""
    merged = dnf_conjunction([_dnf(a) for a in applications])
    inner = ", ".join("[" + ", ".join(gql_string(s) for s in group) + "]" for group in merged)
    return f"@{applications[0].out or name}({DNF_ARGUMENT[name]}: [{inner}])"
