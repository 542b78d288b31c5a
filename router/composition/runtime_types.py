"""SHAREABLE_HAS_MISMATCHED_RUNTIME_TYPES: a shared field returning an interface or union
must be able to resolve to at least one common object type in every subgraph."""

from __future__ import annotations

from router.composition.errors import CompositionIssue
from router.composition.model import Subgraph, TypeDef, named_type
from router.composition.supermodel import SType


def _runtime_types(subgraph: Subgraph, abstract: str) -> set[str] | None:
    typedef = subgraph.types.get(abstract)
    if typedef is None or typedef.interface_object:
        return None  # resolved through an @interfaceObject: Apollo reasons differently
    if typedef.kind == "union":
        return set(typedef.members)
    return {
        t.name
        for t in subgraph.types.values()
        if t.kind == "object" and not t.interface_object and abstract in t.interfaces
    }


def _describe(subgraph: str, types: set[str]) -> str:
    if not types:
        return f' - in subgraph "{subgraph}", no runtime type is defined'
    label = "type" if len(types) == 1 else "types"
    return f' - in subgraph "{subgraph}", {label} ' + ", ".join(f'"{t}"' for t in sorted(types))


def _field_issue(
    subgraphs: list[Subgraph], typedef_name: str, field_name: str, sources: list[tuple[int, str]]
) -> CompositionIssue | None:
    runtime: list[tuple[str, set[str]]] = []
    for idx, abstract in sources:
        types = _runtime_types(subgraphs[idx], abstract)
        if types is None:
            return None
        runtime.append((subgraphs[idx].name, types))
    if set.intersection(*(types for _, types in runtime)):
        return None
    field_type = sources[0][1]
    lines = ";\n".join(_describe(name, types) for name, types in runtime)
    return CompositionIssue(
        "SHAREABLE_HAS_MISMATCHED_RUNTIME_TYPES",
        f'Shared field "{typedef_name}.{field_name}" return type "{field_type}" has a'
        " non-intersecting set of possible runtime types across subgraphs. Runtime types in"
        f" subgraphs are:\n{lines}.\nThis is not allowed as shared fields must resolve the same"
        " way in all subgraphs, and that implies at least some common runtime types between"
        " the subgraphs.",
    )


def _overridden(subgraphs: list[Subgraph], type_name: str, field_name: str) -> set[str]:
    return {
        f.override
        for s in subgraphs
        if type_name in s.types
        for f in [s.types[type_name].fields.get(field_name)]
        if f is not None and f.override is not None and f.override_label is None
    }


def runtime_type_issues(
    subgraphs: list[Subgraph], types: dict[str, SType]
) -> list[CompositionIssue]:
    """Shared abstract-typed fields whose subgraphs have no runtime type in common."""
    issues: list[CompositionIssue] = []
    for stype in types.values():
        if stype.kind != "object":
            continue
        for name, field in stype.fields.items():
            abstract = named_type(field.type)
            if abstract not in types or types[abstract].kind not in {"interface", "union"}:
                continue
            overridden = _overridden(subgraphs, stype.name, name)
            sources = [
                (idx, abstract)
                for idx, s in enumerate(subgraphs)
                if _resolves(s.types.get(stype.name), name) and s.name not in overridden
            ]
            if len(sources) > 1:
                issue = _field_issue(subgraphs, stype.name, name, sources)
                issues += [issue] if issue else []
    return issues


def _resolves(typedef: TypeDef | None, field: str) -> bool:
    return typedef is not None and field in typedef.fields and not typedef.fields[field].external
