"""Definitions of the link/join specs and the spec directives a supergraph carries."""

from __future__ import annotations

_TYPE_LOCATIONS = "OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR"
_TAG_LOCATIONS = (
    "FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM"
    " | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION"
)
_AUTH_LOCATIONS = "FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM"

LINK_DIRECTIVE = (
    "directive @link(url: String, as: String, for: link__Purpose, import: [link__Import])"
    " repeatable on SCHEMA"
)
LINK_TYPES = {
    "link__Import": "scalar link__Import",
    "link__Purpose": (
        "enum link__Purpose {\n"
        '  """\n  `SECURITY` features provide metadata necessary to securely resolve fields.\n  '
        '"""\n'
        "  SECURITY\n\n"
        '  """\n  `EXECUTION` features provide metadata necessary for operation execution.\n  """\n'
        "  EXECUTION\n}"
    ),
}


def join_version(fed_versions: list[tuple[int, int]]) -> str:
    """The join spec version Apollo picks for the newest federation version in use."""
    newest = max(fed_versions, default=(2, 0))
    if newest >= (2, 8):
        return "0.5"
    if newest >= (2, 7):
        return "0.4"
    return "0.3"


def join_directives(version: str) -> dict[str, str]:
    """Join directive definitions by name."""
    field_args = (
        "graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String,"
        " external: Boolean, override: String, usedOverridden: Boolean"
    )
    if version >= "0.4":
        field_args += ", overrideLabel: String"
    if version >= "0.5":
        field_args += ", contextArguments: [join__ContextArgument!]"
    defs = {
        "join__enumValue": "directive @join__enumValue(graph: join__Graph!) repeatable on"
        " ENUM_VALUE",
        "join__field": f"directive @join__field({field_args}) repeatable on FIELD_DEFINITION"
        " | INPUT_FIELD_DEFINITION",
        "join__graph": "directive @join__graph(name: String!, url: String!) on ENUM_VALUE",
        "join__implements": "directive @join__implements(graph: join__Graph!, interface: String!)"
        " repeatable on OBJECT | INTERFACE",
        "join__type": "directive @join__type(graph: join__Graph!, key: join__FieldSet, extension:"
        " Boolean! = false, resolvable: Boolean! = true, isInterfaceObject: Boolean! = false)"
        f" repeatable on {_TYPE_LOCATIONS}",
        "join__unionMember": "directive @join__unionMember(graph: join__Graph!, member: String!)"
        " repeatable on UNION",
    }
    if version >= "0.4":
        defs["join__directive"] = (
            "directive @join__directive(graphs: [join__Graph!], name: String!, args:"
            " join__DirectiveArguments) repeatable on SCHEMA | OBJECT | INTERFACE | "
            "FIELD_DEFINITION"
        )
    return defs


def join_types(version: str) -> dict[str, str]:
    """Join scalar/input definitions by name (without join__Graph)."""
    types = {"join__FieldSet": "scalar join__FieldSet"}
    if version >= "0.4":
        types["join__DirectiveArguments"] = "scalar join__DirectiveArguments"
    if version >= "0.5":
        types["join__FieldValue"] = "scalar join__FieldValue"
        types["join__ContextArgument"] = (
            "input join__ContextArgument {\n  name: String!\n  type: String!\n"
            "  context: String!\n  selection: join__FieldValue!\n}"
        )
    return types


# canonical directive -> (spec name, version, purpose, definition, extra types)
SPEC_DIRECTIVES: dict[str, tuple[str, str, str | None, str, dict[str, str]]] = {
    "tag": (
        "tag",
        "0.3",
        None,
        f"directive @tag(name: String!) repeatable on {_TAG_LOCATIONS} | SCHEMA",
        {},
    ),
    "inaccessible": (
        "inaccessible",
        "0.2",
        "SECURITY",
        f"directive @inaccessible on {_TAG_LOCATIONS}",
        {},
    ),
    "authenticated": (
        "authenticated",
        "0.1",
        "SECURITY",
        f"directive @authenticated on {_AUTH_LOCATIONS}",
        {},
    ),
    "requiresScopes": (
        "requiresScopes",
        "0.1",
        "SECURITY",
        "directive @requiresScopes(scopes: [[requiresScopes__Scope!]!]!) on " + _AUTH_LOCATIONS,
        {"requiresScopes__Scope": "scalar requiresScopes__Scope"},
    ),
    "policy": (
        "policy",
        "0.1",
        "SECURITY",
        "directive @policy(policies: [[policy__Policy!]!]!) on " + _AUTH_LOCATIONS,
        {"policy__Policy": "scalar policy__Policy"},
    ),
    "cost": (
        "cost",
        "0.1",
        None,
        "directive @cost(weight: Int!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION"
        " | INPUT_FIELD_DEFINITION | OBJECT | SCALAR",
        {},
    ),
    "listSize": (
        "cost",
        "0.1",
        None,
        "directive @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields:"
        " [String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION",
        {},
    ),
}
# Order in which Apollo's federation spec registers these directives (decides @link order).
SPEC_ORDER = (
    "tag",
    "inaccessible",
    "authenticated",
    "requiresScopes",
    "policy",
    "cost",
    "listSize",
)
