"""`compose()`: subgraph SDLs in, Apollo-format supergraph SDL and API schema out."""

from __future__ import annotations

import re
from dataclasses import dataclass

from graphql import GraphQLError

from router.composition.errors import CompositionError, CompositionIssue
from router.composition.executable import executable_directives
from router.composition.merge_types import Merger
from router.composition.model import Subgraph
from router.composition.naming import link_import, rename_applications, spec_directive_names
from router.composition.printer import print_directive_def, print_supergraph, print_type
from router.composition.specs import (
    LINK_DIRECTIVE,
    LINK_TYPES,
    SPEC_DIRECTIVES,
    SPEC_ORDER,
    join_directives,
    join_types,
    join_version,
)
from router.composition.subgraph import SubgraphSchema, parse_subgraph
from router.composition.supermodel import SType, gql_string
from router.composition.validate import validate_supergraph
from router.supergraph.api_schema import api_schema_sdl, build_api_schema

_VERSION = re.compile(r"/v(\d+)\.(\d+)$")


@dataclass(frozen=True)
class Composed:
    """A composition result: the supergraph SDL (Apollo's format) and the public API schema."""

    supergraph_sdl: str
    api_schema_sdl: str


def _spec_links(
    subgraphs: list[Subgraph], names: dict[str, str]
) -> tuple[list[str], dict[str, str], dict[str, str]]:
    """`@link`s, directive definitions and extra types for the spec directives in use."""
    links: list[str] = []
    defs: dict[str, str] = {}
    types: dict[str, str] = {}
    seen_specs: list[str] = []
    imports: dict[str, list[str]] = {}
    for subgraph in subgraphs:
        for name in sorted(subgraph.used_specs, key=SPEC_ORDER.index):
            spec, _, _, definition, extra = SPEC_DIRECTIVES[name]
            if spec not in seen_specs:
                seen_specs.append(spec)
            out = names.get(name, name)
            entry = link_import(name, out)
            if entry is not None and entry not in imports.get(spec, []):
                imports.setdefault(spec, []).append(entry)
            defs[out] = definition.replace(f"directive @{name}", f"directive @{out}", 1)
            types.update(extra)
    for spec in seen_specs:
        # Apollo links tag v0.3 whatever the subgraphs' federation version.
        name, version, purpose, _, _ = next(v for v in SPEC_DIRECTIVES.values() if v[0] == spec)
        text = f'@link(url: "https://specs.apollo.dev/{name}/v{version}"'
        text += f", for: {purpose}" if purpose else ""
        if spec in imports:
            text += ", import: [" + ", ".join(imports[spec]) + "]"
        links.append(text + ")")
    return links, defs, types


def _composed_links(
    subgraphs: list[Subgraph],
) -> tuple[list[str], dict[str, str], list[CompositionIssue]]:
    """`@link`s and definitions for `@composeDirective` directives."""
    by_identity: dict[str, tuple[str, list[str]]] = {}
    defs: dict[str, str] = {}
    issues: list[CompositionIssue] = []
    for subgraph in subgraphs:
        for name in subgraph.composed:
            link = next((ln for ln in subgraph.links if name in ln.imports.values()), None)
            definition = subgraph.directive_defs.get(name)
            if link is None or definition is None:
                issues.append(
                    CompositionIssue(
                        "DIRECTIVE_COMPOSITION_ERROR",
                        f'Directive "@{name}" in subgraph "{subgraph.name}" cannot be composed '
                        "because it is not a member of a core feature",
                    )
                )
                continue
            identity = _VERSION.sub("", link.url)
            url, names = by_identity.get(identity, (link.url, []))
            if _version(link.url) > _version(url):
                url = link.url
            by_identity[identity] = (url, names + ([name] if name not in names else []))
            defs.setdefault(name, print_directive_def(definition))
    links = [
        f"@link(url: {gql_string(url)}, import: ["
        + ", ".join(gql_string("@" + n) for n in names)
        + "])"
        for url, names in by_identity.values()
    ]
    return links, defs, issues


def _version(url: str) -> tuple[int, int]:
    match = _VERSION.search(url)
    return (int(match.group(1)), int(match.group(2))) if match else (0, 0)


def _graph_enum(merger: Merger) -> str:
    values = [
        f"  {merger.graphs[s.name]} @join__graph(name: {gql_string(s.name)}, url: "
        f"{gql_string(s.url)})"
        for s in merger.subgraphs
    ]
    return "enum join__Graph {\n" + "\n".join(values) + "\n}"


def _print(merger: Merger, types: dict[str, SType]) -> tuple[str, list[CompositionIssue]]:
    subgraphs = merger.subgraphs
    version = join_version([s.fed_version for s in subgraphs])
    spec_links, spec_defs, spec_types = _spec_links(subgraphs, merger.spec_names)
    composed_links, composed_defs, issues = _composed_links(subgraphs)
    links = [
        '@link(url: "https://specs.apollo.dev/link/v1.0")',
        f'@link(url: "https://specs.apollo.dev/join/v{version}", for: EXECUTION)',
    ]
    directive_defs = {
        **join_directives(version),
        "link": LINK_DIRECTIVE,
        **spec_defs,
        **executable_directives(subgraphs),
        **composed_defs,
    }
    type_defs = {
        **join_types(version),
        "join__Graph": _graph_enum(merger),
        **LINK_TYPES,
        **spec_types,
    }
    type_defs.update({name: print_type(stype) for name, stype in types.items()})
    roots = [
        (op, name)
        for op, name in (
            ("query", "Query"),
            ("mutation", "Mutation"),
            ("subscription", "Subscription"),
        )
        if name in types
    ]
    return print_supergraph(
        links + spec_links + composed_links, roots, directive_defs, type_defs
    ), issues


def compose(subgraphs: list[SubgraphSchema]) -> Composed:
    """Composes Federation 1/2 subgraphs; raises `CompositionError` listing every problem."""
    issues: list[CompositionIssue] = []
    names = [s.name for s in subgraphs]
    for name in sorted({n for n in names if names.count(n) > 1}):
        issues.append(
            CompositionIssue(
                "INVALID_SUBGRAPH_NAME", f'Subgraph name "{name}" is used more than once'
            )
        )
    if not subgraphs:
        issues.append(CompositionIssue("NO_SUBGRAPHS", "No subgraphs to compose"))
    parsed: list[Subgraph] = []
    # Apollo orders subgraphs by name (plain string order) whatever the input order.
    for schema in sorted(subgraphs, key=lambda s: s.name):
        subgraph, found = parse_subgraph(schema)
        issues += found
        if subgraph is not None:
            parsed.append(subgraph)
    spec_names, naming_issues = spec_directive_names(parsed)
    issues += naming_issues
    if issues:
        raise CompositionError(issues)
    rename_applications(parsed, spec_names)
    merger = Merger(parsed, spec_names)
    types = merger.run()
    issues += merger.issues
    if not issues:
        issues += validate_supergraph(parsed, types, spec_names)
    if issues:
        raise CompositionError(issues)
    sdl, issues = _print(merger, types)
    if issues:
        raise CompositionError(issues)
    try:
        build_api_schema(sdl)
    except (GraphQLError, TypeError) as error:
        raise CompositionError(
            [
                CompositionIssue(
                    "INVALID_GRAPHQL", f"The composed supergraph is not a valid schema: {error}"
                )
            ]
        ) from None
    return Composed(sdl, api_schema_sdl(sdl))
