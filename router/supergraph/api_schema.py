"""The public API schema of any supergraph: join/link machinery and @inaccessible removed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from graphql import (
    DirectiveDefinitionNode,
    DirectiveNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    GraphQLSchema,
    ListTypeNode,
    ListValueNode,
    NamedTypeNode,
    NonNullTypeNode,
    ObjectValueNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    StringValueNode,
    TypeDefinitionNode,
    TypeExtensionNode,
    TypeNode,
    UnionTypeDefinitionNode,
    UnionTypeExtensionNode,
    build_ast_schema,
    parse,
    print_schema,
)

KEPT_DIRECTIVES = {"deprecated", "specifiedBy", "oneOf"}
_SPEC_URL = re.compile(r"/([A-Za-z_][A-Za-z0-9_]*)/v(\d+)\.(\d+)/?$")
_EXECUTABLE = {
    "QUERY",
    "MUTATION",
    "SUBSCRIPTION",
    "FIELD",
    "FRAGMENT_DEFINITION",
    "FRAGMENT_SPREAD",
    "INLINE_FRAGMENT",
    "VARIABLE_DEFINITION",
}


@dataclass
class _Features:
    """Names that belong to linked specs (link, join, inaccessible, tag, composed ...)."""

    prefixes: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)
    inaccessible: str = "inaccessible"


def _string(value: Any) -> str | None:
    return value.value if isinstance(value, StringValueNode) else None


def _feature_imports(value: Any) -> list[str]:
    names: list[str] = []
    for item in value.values if isinstance(value, ListValueNode) else ():
        if isinstance(item, StringValueNode):
            names.append(item.value.lstrip("@"))
        elif isinstance(item, ObjectValueNode):
            entry = {f.name.value: _string(f.value) for f in item.fields}
            local = entry.get("as") or entry.get("name")
            if local:
                names.append(local.lstrip("@"))
    return names


def _features(document: DocumentNode) -> _Features:
    found = _Features(prefixes={"link", "join", "core"}, names={"link", "core"})
    for definition in document.definitions:
        if not isinstance(definition, SchemaDefinitionNode | SchemaExtensionNode):
            continue
        for applied in definition.directives or ():
            args = {a.name.value: a.value for a in applied.arguments}
            url = _string(args.get("url")) or _string(args.get("feature")) or ""
            match = _SPEC_URL.search(url)
            if match is None:
                continue
            prefix = _string(args.get("as")) or match.group(1)
            found.prefixes.add(prefix)
            found.names.add(prefix)
            imports = _feature_imports(args.get("import"))
            found.names.update(imports)
            if match.group(1) == "inaccessible":
                found.inaccessible = imports[0] if imports else prefix
    return found


def _is_feature(name: str, features: _Features) -> bool:
    return name in features.names or ("__" in name and name.split("__", 1)[0] in features.prefixes)


def _hidden(node: Any, features: _Features) -> bool:
    return any(
        d.name.value == features.inaccessible for d in getattr(node, "directives", None) or ()
    )


def _named(node: TypeNode) -> str:
    while isinstance(node, ListTypeNode | NonNullTypeNode):
        node = node.type
    assert isinstance(node, NamedTypeNode)
    return node.name.value


def _clean_directives(node: Any) -> tuple[DirectiveNode, ...]:
    return tuple(d for d in node.directives or () if d.name.value in KEPT_DIRECTIVES)


def _clean_fields(fields: Any, removed: set[str], features: _Features) -> tuple[Any, ...]:
    kept = []
    for node in fields or ():
        if _hidden(node, features) or _named(node.type) in removed:
            continue
        changes: dict[str, Any] = {"directives": _clean_directives(node)}
        if getattr(node, "arguments", None) is not None:
            changes["arguments"] = tuple(
                a.__class__(**{**_attrs(a), "directives": _clean_directives(a)})
                for a in node.arguments
                if not _hidden(a, features) and _named(a.type) not in removed
            )
        kept.append(node.__class__(**{**_attrs(node), **changes}))
    return tuple(kept)


def _attrs(node: Any) -> dict[str, Any]:
    return {key: getattr(node, key) for key in node.keys if key != "loc"}


def _clean_type(node: Any, removed: set[str], features: _Features) -> Any:
    changes: dict[str, Any] = {"directives": _clean_directives(node)}
    if getattr(node, "fields", None) is not None:
        changes["fields"] = _clean_fields(node.fields, removed, features)
    if getattr(node, "interfaces", None) is not None:
        changes["interfaces"] = tuple(i for i in node.interfaces if i.name.value not in removed)
    if isinstance(node, UnionTypeDefinitionNode | UnionTypeExtensionNode):
        changes["types"] = tuple(t for t in node.types or () if t.name.value not in removed)
    if isinstance(node, EnumTypeDefinitionNode | EnumTypeExtensionNode):
        changes["values"] = tuple(
            v.__class__(**{**_attrs(v), "directives": _clean_directives(v)})
            for v in node.values or ()
            if not _hidden(v, features)
        )
    return node.__class__(**{**_attrs(node), **changes})


def _api_document(document: DocumentNode) -> DocumentNode:
    features = _features(document)
    removed = {
        d.name.value
        for d in document.definitions
        if isinstance(d, TypeDefinitionNode | TypeExtensionNode)
        and (_is_feature(d.name.value, features) or _hidden(d, features))
    }
    definitions: list[Any] = []
    for node in document.definitions:
        if isinstance(node, SchemaDefinitionNode):
            definitions.append(node.__class__(**{**_attrs(node), "directives": ()}))
        elif isinstance(node, DirectiveDefinitionNode):
            locations = {loc.value for loc in node.locations}
            if locations <= _EXECUTABLE and not _is_feature(node.name.value, features):
                definitions.append(node)
        elif (
            isinstance(node, TypeDefinitionNode | TypeExtensionNode)
            and node.name.value not in removed
        ):
            definitions.append(_clean_type(node, removed, features))
    return DocumentNode(definitions=tuple(definitions))


@lru_cache(maxsize=16)
def build_api_schema(supergraph_sdl: str) -> GraphQLSchema:
    """The API schema as a graphql-core schema (cached per supergraph text)."""
    return build_ast_schema(_api_document(parse(supergraph_sdl, no_location=True)))


def api_schema_sdl(supergraph_sdl: str) -> str:
    """The API schema SDL of a supergraph composed by anyone (join v0.1 to v0.5)."""
    return print_schema(build_api_schema(supergraph_sdl)) + "\n"
