"""Supergraph names of spec directives: a subgraph may import `@tag` as `@label`."""

from __future__ import annotations

from collections.abc import Iterator

from router.composition.errors import CompositionIssue
from router.composition.model import Applied, Subgraph
from router.composition.specs import SPEC_DIRECTIVES
from router.composition.supermodel import gql_string


def spec_directive_names(
    subgraphs: list[Subgraph],
) -> tuple[dict[str, str], list[CompositionIssue]]:
    """Canonical name -> name in the supergraph; subgraphs must agree on it."""
    uses: dict[str, list[tuple[str, str]]] = {}
    for subgraph in subgraphs:
        for canonical, local in subgraph.spec_local.items():
            uses.setdefault(canonical, []).append((subgraph.name, local))
    names: dict[str, str] = {}
    issues: list[CompositionIssue] = []
    for canonical, found in uses.items():
        distinct = list(dict.fromkeys(local for _, local in found))
        if len(distinct) > 1:
            detail = " but ".join(
                f'"@{local}" in subgraph{"s" if len(who) > 1 else ""} '
                + ", ".join(f'"{w}"' for w in who)
                for local in distinct
                for who in [[s for s, other in found if other == local]]
            )
            issues.append(
                CompositionIssue(
                    "LINK_IMPORT_NAME_MISMATCH",
                    f'The "@{canonical}" directive is imported with mismatched name between'
                    f" subgraphs: it is imported as {detail}",
                )
            )
        names[canonical] = distinct[0]
    return names, issues


def _applied(subgraph: Subgraph) -> Iterator[Applied]:
    for typedef in subgraph.types.values():
        yield from typedef.directives
        for value in typedef.values.values():
            yield from value.directives
        for field in typedef.fields.values():
            yield from field.directives
            for arg in field.args.values():
                yield from arg.directives


def rename_applications(subgraphs: list[Subgraph], names: dict[str, str]) -> None:
    """Makes spec directive applications print with their supergraph names."""
    for subgraph in subgraphs:
        for applied in _applied(subgraph):
            if names.get(applied.name, applied.name) != applied.name:
                applied.out = names[applied.name]


def link_import(canonical: str, name: str) -> str | None:
    """The `import:` entry a spec `@link` needs for `name`, or None for the default name."""
    spec = SPEC_DIRECTIVES[canonical][0]
    if name == canonical:
        return None if canonical == spec else gql_string("@" + canonical)
    if name == f"{spec}__{canonical}":
        return None
    return f"{{name: {gql_string('@' + canonical)}, as: {gql_string('@' + name)}}}"
