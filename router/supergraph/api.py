"""The API schema of a supergraph: what clients see (no join machinery, no ``@inaccessible``)."""

from __future__ import annotations

import importlib
from typing import Any

from graphql import (
    DirectiveDefinitionNode,
    DocumentNode,
    GraphQLSchema,
    Node,
    SchemaDefinitionNode,
    build_ast_schema,
    parse,
)

# Federation machinery that never reaches clients.
_MACHINERY_PREFIXES = ("join__", "link__")
_MACHINERY_DIRECTIVES = frozenset(
    {"link", "inaccessible", "tag", "authenticated", "requiresScopes"}
)


def api_schema_of(sdl: str) -> GraphQLSchema:
    """Builds the API schema; uses the composition engine's builder when it is available."""
    try:
        module = importlib.import_module("router.supergraph.api_schema")
    except ImportError:
        return _strip(sdl)
    built = module.build_api_schema(sdl)
    if isinstance(built, GraphQLSchema):
        return built
    return build_ast_schema(parse(str(built)), assume_valid_sdl=True)


def _machinery(name: str) -> bool:
    return name.startswith(_MACHINERY_PREFIXES)


def _inaccessible(node: Any) -> bool:
    return any(d.name.value == "inaccessible" for d in getattr(node, "directives", None) or ())


def _clean(node: Any) -> Any:
    """A copy of a definition without machinery directives or inaccessible children."""
    changes: dict[str, Any] = {}
    directives = getattr(node, "directives", None)
    if directives:
        changes["directives"] = tuple(
            d
            for d in directives
            if not _machinery(d.name.value) and d.name.value not in _MACHINERY_DIRECTIVES
        )
    for child in ("fields", "values", "arguments"):
        items = getattr(node, child, None)
        if items and isinstance(items[0], Node) and hasattr(items[0], "name"):
            changes[child] = tuple(_clean(i) for i in items if not _inaccessible(i))
    for child in ("types", "interfaces"):
        items = getattr(node, child, None)
        if items:
            changes[child] = tuple(items)
    if not changes:
        return node
    copy = node.__copy__()
    for key, value in changes.items():
        setattr(copy, key, value)
    return copy


def _strip(sdl: str) -> GraphQLSchema:
    """Minimal local API-schema builder (until the composition engine's lands)."""
    document = parse(sdl, no_location=True)
    hidden = {
        d.name.value
        for d in document.definitions
        if hasattr(d, "name") and (_inaccessible(d) or _machinery(d.name.value))
    }
    kept = []
    for definition in document.definitions:
        if isinstance(definition, SchemaDefinitionNode):
            kept.append(_clean(definition))
            continue
        if isinstance(definition, DirectiveDefinitionNode):
            name = definition.name.value
            if _machinery(name) or name in _MACHINERY_DIRECTIVES:
                continue
            kept.append(definition)
            continue
        name_node = getattr(definition, "name", None)
        if name_node is None or name_node.value in hidden:
            continue
        cleaned = _clean(definition)
        for child in ("types", "interfaces"):
            items = getattr(cleaned, child, None)
            if items:
                setattr(cleaned, child, tuple(t for t in items if t.name.value not in hidden))
        kept.append(cleaned)
    return build_ast_schema(DocumentNode(definitions=tuple(kept)), assume_valid_sdl=True)
