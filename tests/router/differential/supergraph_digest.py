"""A composer-neutral digest of a supergraph: its API schema and its join metadata.

Two composers may print the same supergraph differently (order, omitted defaults,
implicit `@join__field`s); the digest keeps only what a gateway acts on.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql import (
    DefinitionNode,
    DirectiveDefinitionNode,
    DirectiveNode,
    DocumentNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    TypeDefinitionNode,
    build_ast_schema,
    lexicographic_sort_schema,
    parse,
    print_ast,
    print_schema,
)
from graphql.language import Visitor, visit

# Arguments whose value is the directive's default: leaving them out means the same.
DEFAULTS = {
    ("extension", "false"),
    ("resolvable", "true"),
    ("isInterfaceObject", "false"),
    ("external", "false"),
    ("usedOverridden", "false"),
}
META_PREFIXES = ("join__", "link__")
KEPT_DIRECTIVES = {"deprecated", "specifiedBy", "oneOf"}


@dataclass(frozen=True)
class SupergraphDigest:
    """The API schema (sorted, printed) and the set of join facts."""

    api_schema: str
    join_facts: frozenset[str]


def _directive_fact(directive: DirectiveNode) -> str:
    args = sorted(
        (arg.name.value, print_ast(arg.value))
        for arg in directive.arguments
        if (arg.name.value, print_ast(arg.value)) not in DEFAULTS
    )
    return f"@{directive.name.value}(" + ", ".join(f"{k}: {v}" for k, v in args) + ")"


def _graph_of(directive: DirectiveNode) -> str | None:
    for arg in directive.arguments:
        if arg.name.value == "graph":
            return print_ast(arg.value)
    return None


def _type_facts(node: TypeDefinitionNode) -> set[str]:
    name = node.name.value
    facts = {
        f"{name} {_directive_fact(d)}"
        for d in node.directives or ()
        if d.name.value.startswith("join__")
    }
    graphs = {_graph_of(d) for d in node.directives or () if d.name.value == "join__type"}
    for field in getattr(node, "fields", None) or ():
        joins = [d for d in field.directives or () if d.name.value == "join__field"]
        # No @join__field means: resolvable in every graph that defines the type.
        implicit = [f"@join__field(graph: {graph})" for graph in sorted(g for g in graphs if g)]
        field_facts = [_directive_fact(d) for d in joins] or implicit
        facts |= {f"{name}.{field.name.value} {fact}" for fact in field_facts}
    for value in getattr(node, "values", None) or ():
        facts |= {
            f"{name}.{value.name.value} {_directive_fact(d)}"
            for d in value.directives or ()
            if d.name.value.startswith("join__")
        }
    return facts


def _is_meta(definition: DefinitionNode) -> bool:
    if isinstance(definition, SchemaDefinitionNode | SchemaExtensionNode):
        return False
    name = getattr(getattr(definition, "name", None), "value", "")
    if isinstance(definition, DirectiveDefinitionNode):
        return name not in KEPT_DIRECTIVES
    return name.startswith(META_PREFIXES)


class _StripDirectives(Visitor):
    """Removes applied directives except the ones that belong to the API schema."""

    def enter_directive(self, node: DirectiveNode, *_: object) -> object:
        return None if node.name.value in KEPT_DIRECTIVES else Visitor.REMOVE


def api_schema_of(document: DocumentNode) -> str:
    """The client-facing schema, sorted and printed (no join or link elements)."""
    kept = [d for d in document.definitions if not _is_meta(d)]
    stripped = visit(DocumentNode(definitions=tuple(kept)), _StripDirectives())
    schema = build_ast_schema(stripped, assume_valid_sdl=True)
    return print_schema(lexicographic_sort_schema(schema))


def digest(supergraph_sdl: str) -> SupergraphDigest:
    """Parses a supergraph SDL into its digest."""
    document = parse(supergraph_sdl)
    facts: set[str] = set()
    for definition in document.definitions:
        if isinstance(definition, TypeDefinitionNode) and not _is_meta(definition):
            facts |= _type_facts(definition)
        elif getattr(getattr(definition, "name", None), "value", "") == "join__Graph":
            facts |= _type_facts(definition)  # type: ignore[arg-type]
    return SupergraphDigest(api_schema=api_schema_of(document), join_facts=frozenset(facts))
