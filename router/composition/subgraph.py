"""Parse one subgraph's SDL into the normalised `Subgraph` model."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import (
    BooleanValueNode,
    DirectiveDefinitionNode,
    DirectiveNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    GraphQLError,
    InputObjectTypeDefinitionNode,
    InputObjectTypeExtensionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    ScalarTypeDefinitionNode,
    ScalarTypeExtensionNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    StringValueNode,
    TypeDefinitionNode,
    TypeExtensionNode,
    UnionTypeDefinitionNode,
    UnionTypeExtensionNode,
    parse,
)

from router.composition.errors import CompositionIssue
from router.composition.links import LinkInfo, read_links, schema_directives
from router.composition.model import (
    Applied,
    Argument,
    DirectiveDef,
    EnumValue,
    Field,
    Key,
    Subgraph,
    TypeDef,
    type_text,
)
from router.composition.upgrade import finish_subgraph, unknown_type_issues

# Federation plumbing that never reaches the supergraph.
INTERNAL_TYPES = {"_Service", "_Entity", "_Any", "_FieldSet", "FieldSet"}
INTERNAL_ROOT_FIELDS = {"_service", "_entities"}
# Spec directives whose applications are copied to the supergraph.
KEPT_SPEC_DIRECTIVES = {
    "tag",
    "inaccessible",
    "authenticated",
    "requiresScopes",
    "policy",
    "cost",
    "listSize",
}
# Federation 2.8 contexts need join__field(contextArguments:); refuse rather than drop them.
UNSUPPORTED = {"context", "fromContext"}
_KINDS: dict[type[Any], str] = {
    ObjectTypeDefinitionNode: "object",
    ObjectTypeExtensionNode: "object",
    InterfaceTypeDefinitionNode: "interface",
    InterfaceTypeExtensionNode: "interface",
    UnionTypeDefinitionNode: "union",
    UnionTypeExtensionNode: "union",
    EnumTypeDefinitionNode: "enum",
    EnumTypeExtensionNode: "enum",
    InputObjectTypeDefinitionNode: "input",
    InputObjectTypeExtensionNode: "input",
    ScalarTypeDefinitionNode: "scalar",
    ScalarTypeExtensionNode: "scalar",
}


@dataclass(frozen=True)
class SubgraphSchema:
    """A subgraph to compose: its name, routing URL and SDL (as `_service { sdl }` returns it)."""

    name: str
    url: str
    sdl: str


def _description(node: Any) -> str | None:
    desc = getattr(node, "description", None)
    return desc.value if isinstance(desc, StringValueNode) else None


def _arg(node: DirectiveNode, name: str) -> Any:
    for argument in node.arguments:
        if argument.name.value == name:
            value = argument.value
            if isinstance(value, StringValueNode | BooleanValueNode):
                return value.value
            return value
    return None


class _Reader:
    """Walks one parsed SDL document and fills `TypeDef`s."""

    def __init__(self, name: str, links: LinkInfo) -> None:
        self.name = name
        self.links = links
        self.used: list[str] = []
        self.spec_local: dict[str, str] = {}
        self.types: dict[str, TypeDef] = {}
        self.issues: list[CompositionIssue] = []

    def invalid(self, message: str) -> None:
        self.issues.append(CompositionIssue("INVALID_GRAPHQL", f"[{self.name}] {message}"))

    def canonical(self, node: DirectiveNode) -> str | None:
        return self.links.local_to_canonical.get(node.name.value)

    def is_internal_type(self, name: str) -> bool:
        prefix = name.split("__", 1)[0] if "__" in name else None
        return name in INTERNAL_TYPES or prefix in self.links.prefixes or prefix == "link"

    def keep(self, node: DirectiveNode, into: list[Applied]) -> str | None:
        """Records spec or custom directives; returns the canonical federation name if any."""
        canonical = self.canonical(node)
        if canonical is None:
            into.append(Applied(node.name.value, node))
            return None
        if canonical in UNSUPPORTED:
            self.issues.append(
                CompositionIssue(
                    "UNSUPPORTED_FEATURE",
                    f'[{self.name}] @{canonical} (used as "@{node.name.value}") is not supported'
                    " by this composer yet",
                )
            )
        if canonical in KEPT_SPEC_DIRECTIVES:
            into.append(Applied(canonical, node))
            self.spec_local.setdefault(canonical, node.name.value)
            if canonical not in self.used:
                self.used.append(canonical)
        return canonical

    def read_type(self, node: TypeDefinitionNode | TypeExtensionNode) -> None:
        name = node.name.value
        if self.is_internal_type(name):
            return
        kind = _KINDS[type(node)]
        typedef = self.types.setdefault(name, TypeDef(name=name, kind=kind))
        extension = isinstance(node, TypeExtensionNode)
        if not extension:
            typedef.has_definition = True
            typedef.description = typedef.description or _description(node)
        block_shareable, block_external = self.read_type_directives(typedef, node, extension)
        for iface in getattr(node, "interfaces", None) or ():
            if iface.name.value not in typedef.interfaces:
                typedef.interfaces.append(iface.name.value)
        for member in getattr(node, "types", None) or ():
            if member.name.value not in typedef.members:
                typedef.members.append(member.name.value)
        for value in getattr(node, "values", None) or ():
            self.read_enum_value(typedef, value)
        for field_node in getattr(node, "fields", None) or ():
            field = self.read_field(field_node, kind == "input")
            field.shareable = field.shareable or block_shareable
            field.external = field.external or block_external
            if not (kind == "object" and name == "Query" and field.name in INTERNAL_ROOT_FIELDS):
                if field.name in typedef.fields:
                    self.invalid(f"Field {field.name} already exists on {name}")
                typedef.fields[field.name] = field

    def read_type_directives(
        self, typedef: TypeDef, node: Any, extension: bool
    ) -> tuple[bool, bool]:
        shareable = external = False
        for directive in node.directives or ():
            canonical = self.keep(directive, typedef.directives)
            if canonical == "key":
                fields = _arg(directive, "fields")
                resolvable = _arg(directive, "resolvable")
                typedef.keys.append(
                    Key(str(fields or ""), resolvable is not False, extension=extension)
                )
            elif canonical == "extends":
                typedef.extends = True
            elif canonical == "shareable":
                shareable = typedef.shareable = True
            elif canonical == "external":
                external = True
            elif canonical == "interfaceObject":
                typedef.interface_object = True
            elif canonical == "inaccessible":
                typedef.inaccessible = True
        return shareable, external

    def read_enum_value(self, typedef: TypeDef, node: Any) -> None:
        value = EnumValue(node.name.value, _description(node))
        for directive in node.directives or ():
            if self.keep(directive, value.directives) == "inaccessible":
                value.inaccessible = True
        typedef.values[value.name] = value

    def read_argument(self, node: Any) -> Argument:
        argument = Argument(
            node.name.value, type_text(node.type), node.default_value, _description(node)
        )
        for directive in node.directives or ():
            self.keep(directive, argument.directives)
        return argument

    def read_field(self, node: Any, is_input: bool) -> Field:
        field = Field(node.name.value, type_text(node.type), description=_description(node))
        if is_input:
            field.default = node.default_value
        for arg_node in getattr(node, "arguments", None) or ():
            argument = self.read_argument(arg_node)
            field.args[argument.name] = argument
        for directive in node.directives or ():
            canonical = self.keep(directive, field.directives)
            if canonical == "external":
                field.external = True
            elif canonical == "shareable":
                field.shareable = field.shareable_applied = True
            elif canonical == "requires":
                field.requires = str(_arg(directive, "fields") or "")
            elif canonical == "provides":
                field.provides = str(_arg(directive, "fields") or "")
            elif canonical == "override":
                field.override = _arg(directive, "from")
                field.override_label = _arg(directive, "label")
            elif canonical == "inaccessible":
                field.inaccessible = True
        return field

    def read_directive_def(self, node: DirectiveDefinitionNode) -> DirectiveDef | None:
        name = node.name.value
        if name in self.links.local_to_canonical or name == self.links.link_directive:
            return None
        if "__" in name and name.split("__", 1)[0] in self.links.prefixes:
            return None
        args = {a.name.value: self.read_argument(a) for a in node.arguments or ()}
        locations = [loc.value for loc in node.locations]
        return DirectiveDef(name, args, locations, node.repeatable, _description(node))


def _roots(document: DocumentNode) -> dict[str, str]:
    roots = {"query": "Query", "mutation": "Mutation", "subscription": "Subscription"}
    for definition in document.definitions:
        if isinstance(definition, SchemaDefinitionNode | SchemaExtensionNode):
            for operation in definition.operation_types or ():
                roots[operation.operation.value] = operation.type.name.value
    return roots


def parse_subgraph(schema: SubgraphSchema) -> tuple[Subgraph | None, list[CompositionIssue]]:
    """Parses and normalises one subgraph; returns issues instead of raising."""
    try:
        document = parse(schema.sdl)
    except GraphQLError as error:
        return None, [
            CompositionIssue("INVALID_GRAPHQL", f"[{schema.name}] SDL does not parse: {error}")
        ]
    links = read_links(document)
    reader = _Reader(schema.name, links)
    defs: dict[str, DirectiveDef] = {}
    for definition in document.definitions:
        if isinstance(definition, TypeDefinitionNode | TypeExtensionNode):
            reader.read_type(definition)
        elif isinstance(definition, DirectiveDefinitionNode):
            directive = reader.read_directive_def(definition)
            if directive is not None:
                defs[directive.name] = directive
    composed = [
        str(_arg(d, "name") or "").lstrip("@")
        for d in schema_directives(document)
        if links.local_to_canonical.get(d.name.value) == "composeDirective"
    ]
    subgraph = Subgraph(
        name=schema.name,
        url=schema.url,
        fed_version=links.fed_version or (2, 0),
        fed1=links.fed_version is None,
        types=reader.types,
        roots=_roots(document),
        directive_defs=defs,
        used_specs=reader.used,
        spec_local=reader.spec_local,
        links=links.others,
        composed=composed,
    )
    issues = reader.issues + unknown_type_issues(subgraph)
    return subgraph, issues + (finish_subgraph(subgraph) if not issues else [])
