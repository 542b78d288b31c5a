"""The local name under which a supergraph's `@link` imports one of Mateway's directives."""

from __future__ import annotations

from graphql import (
    DocumentNode,
    ListValueNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    StringValueNode,
    ValueNode,
)


def linked_directive_name(document: DocumentNode, spec_prefix: str, directive: str) -> str | None:
    """The local name of `@<directive>` linked from `spec_prefix` (an import may rename it)."""
    for definition in document.definitions:
        if not isinstance(definition, SchemaDefinitionNode | SchemaExtensionNode):
            continue
        for node in definition.directives or ():
            args = {a.name.value: a.value for a in node.arguments or ()}
            url = args.get("url")
            if node.name.value != "link" or not isinstance(url, StringValueNode):
                continue
            if url.value.startswith(spec_prefix):
                return _imported_name(args.get("import"), directive)
    return None


def _imported_name(value: ValueNode | None, directive: str) -> str:
    wanted = f"@{directive}"
    if isinstance(value, ListValueNode):
        for item in value.values:
            if isinstance(item, StringValueNode) and item.value == wanted:
                return directive
            fields = {f.name.value: f.value for f in getattr(item, "fields", ())}
            name, alias = fields.get("name"), fields.get("as")
            named = isinstance(name, StringValueNode) and name.value == wanted
            if named and isinstance(alias, StringValueNode):
                return alias.value.lstrip("@")
    return directive
