"""`@link` handling: which local directive name means which federation directive."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from graphql import (
    DirectiveNode,
    DocumentNode,
    ListValueNode,
    ObjectValueNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    StringValueNode,
    ValueNode,
)

from router.composition.model import LinkedSpec

FEDERATION_DIRECTIVES = (
    "key",
    "requires",
    "provides",
    "external",
    "extends",
    "shareable",
    "inaccessible",
    "override",
    "composeDirective",
    "interfaceObject",
    "tag",
    "authenticated",
    "requiresScopes",
    "policy",
    "context",
    "fromContext",
    "cost",
    "listSize",
)
_FED_URL = re.compile(r"^https://specs\.apollo\.dev/federation/v(\d+)\.(\d+)$")
_LINK_URL = re.compile(r"^https://specs\.apollo\.dev/(link|core)/v\d+\.\d+$")
_SPEC_NAME = re.compile(r"/([A-Za-z_][A-Za-z0-9_]*)/v\d+\.\d+/?$")


@dataclass
class LinkInfo:
    """What a subgraph's ``@link``s say."""

    fed_version: tuple[int, int] | None = None
    local_to_canonical: dict[str, str] = field(default_factory=dict)
    link_directive: str = "link"
    others: list[LinkedSpec] = field(default_factory=list)
    prefixes: set[str] = field(default_factory=set)


def _string(value: ValueNode | None) -> str | None:
    return value.value if isinstance(value, StringValueNode) else None


def _arguments(node: DirectiveNode) -> dict[str, ValueNode]:
    return {arg.name.value: arg.value for arg in node.arguments}


def _imports(value: ValueNode | None) -> dict[str, str]:
    """`import: ["@key", {name: "@override", as: "@ov"}]` -> {"key": "key", "override": "ov"}."""
    result: dict[str, str] = {}
    items = value.values if isinstance(value, ListValueNode) else ()
    for item in items:
        if isinstance(item, StringValueNode):
            result[item.value.lstrip("@")] = item.value.lstrip("@")
        elif isinstance(item, ObjectValueNode):
            entry = {f.name.value: _string(f.value) for f in item.fields}
            name = entry.get("name")
            if name:
                result[name.lstrip("@")] = (entry.get("as") or name).lstrip("@")
    return result


def schema_directives(document: DocumentNode) -> list[DirectiveNode]:
    """Directives applied on `schema` and `extend schema`, in order."""
    found: list[DirectiveNode] = []
    for definition in document.definitions:
        if isinstance(definition, SchemaDefinitionNode | SchemaExtensionNode):
            found.extend(definition.directives or ())
    return found


def read_links(document: DocumentNode) -> LinkInfo:
    """Resolves federation directive names from the subgraph's ``@link``s (Fed 1: plain names)."""
    info = LinkInfo()
    links = [d for d in schema_directives(document) if d.name.value == "link"]
    for link in links:
        args = _arguments(link)
        url = _string(args.get("url")) or ""
        imports = _imports(args.get("import"))
        match = _FED_URL.match(url)
        if match:
            info.fed_version = (int(match.group(1)), int(match.group(2)))
            prefix = _string(args.get("as")) or "federation"
            info.prefixes.add(prefix)
            for name in FEDERATION_DIRECTIVES:
                info.local_to_canonical[imports.get(name, f"{prefix}__{name}")] = name
        elif not _LINK_URL.match(url):
            spec = _SPEC_NAME.search(url)
            if spec:
                info.prefixes.add(_string(args.get("as")) or spec.group(1))
            info.others.append(LinkedSpec(url=url, imports=imports))
    if info.fed_version is None:
        info.local_to_canonical = {name: name for name in FEDERATION_DIRECTIVES}
    return info
