"""@requires/@provides selecting nested fields: which need @external (Apollo's verdicts).

Each case is a `base` subgraph owning `Parcel` and a `shipping` subgraph whose field set
selects into the value types `Dims`/`Inner` or the interface `Media` (plus the neighbouring
rules: unused @external fields, value types reached through another subgraph's root).
`code` is the error @apollo/composition 2.11.7 reports, or None where it composes (checked
against Apollo, supergraph or messages, in test_apollo_crosscheck.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from router.composition import SubgraphSchema

FED2 = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key",'
    ' "@shareable", "@external", "@requires", "@provides", "@extends"])\n'
)
VALUE_TYPES = (
    "type Dims @shareable {{ {dims} }} type Inner @shareable {{ a: Int b: Int }}"
    " interface Media {{ id: ID! info: Info }} type Info @shareable {{ x: Int y: Int }}"
    " type Book implements Media @shareable {{ {book} }}"
    " type Film implements Media @shareable {{ id: ID! info: Info minutes: Int }}"
)
DIMS = "width: Int height: Int inner: Inner"
BOOK = "id: ID! info: Info pages: Int"
BASE = (
    FED2 + 'type Query { parcels: [Parcel!]! } type Parcel @key(fields: "id") { id: ID!'
    " weight: Int @shareable dims: Dims @shareable media: Media @shareable } "
    + VALUE_TYPES.format(dims=DIMS, book=BOOK)
)
FED1_BASE = (
    'type Query { parcels: [Parcel!]! } type Parcel @key(fields: "id") { id: ID! weight: Int'
    " dims: Dims } type Dims { width: Int height: Int inner: Inner } type Inner { a: Int b: Int }"
)


@dataclass(frozen=True)
class NestedCase:
    """A `shipping` subgraph next to `base`, and Apollo's verdict (error code or None)."""

    id: str
    shipping: str
    code: str | None
    fed1: bool = False

    def schemas(self) -> list[SubgraphSchema]:
        """The `base` and `shipping` subgraphs."""
        base = FED1_BASE if self.fed1 else BASE
        return [
            SubgraphSchema("base", "http://base", base),
            SubgraphSchema("shipping", "http://shipping", self.shipping),
        ]


def _ship(parcel: str, dims: str = DIMS, book: str = BOOK, dims_directive: str = "") -> str:
    types = VALUE_TYPES.format(dims=dims, book=book)
    if dims_directive:
        types = types.replace("type Dims @shareable", f"type Dims @shareable {dims_directive}")
    return FED2 + f'type Parcel @key(fields: "id") {{ id: ID! {parcel} }} {types}'


def _requires(parent: str, fields: str) -> str:
    return f'{parent} cost: Int @requires(fields: "{fields}")'


def _fed1(body: str) -> str:
    return (
        f'extend type Parcel @key(fields: "id") {{ id: ID! @external {body} }}'
        " type Dims { width: Int height: Int inner: Inner } type Inner { a: Int b: Int }"
    )


EXT_DIMS = "dims: Dims @external"
LOCAL_DIMS = "dims: Dims @shareable"
LOCAL_MEDIA = "media: Media @shareable"
EXT_WIDTH = "width: Int @external height: Int inner: Inner"
MISSING = "REQUIRES_FIELDS_MISSING_EXTERNAL"
UNUSED = "EXTERNAL_UNUSED"
MINE = " type Query { mine: Parcel }"
PROVIDES_QUERY = 'type Query { p: Parcel @provides(fields: "dims { width }") } '
PROVIDES_TYPES = (
    " type Dims @shareable { width: Int height: Int inner: Inner }"
    " type Inner @shareable { a: Int b: Int }"
)
EXTENSION_KEY = (
    'extend type Parcel @key(fields: "id") { id: ID! @external weight: Int @external'
    ' cost: Int @requires(fields: "id weight") }'
)
EXTENDS_KEY = (
    'type Parcel @extends @key(fields: "id") { id: ID! @external weight: Int @external'
    ' cost: Int @requires(fields: "weight id") }'
)


def _case(case_id: str, parent: str, fields: str, code: str | None, **kwargs: str) -> NestedCase:
    return NestedCase(case_id, _ship(_requires(parent, fields), **kwargs), code)


def _provides(case_id: str, dims: str, code: str | None) -> NestedCase:
    parcel = f'type Parcel @key(fields: "id") {{ id: ID! {dims} }}'
    return NestedCase(case_id, FED2 + PROVIDES_QUERY + parcel + PROVIDES_TYPES, code)


def _fed1_case(case_id: str, fields: str, body: str) -> NestedCase:
    sdl = _fed1(f'{body} cost: Int @requires(fields: "{fields}")')
    return NestedCase(case_id, sdl, None, fed1=True)


NESTED_CASES = [
    # Accepted: every leaf is @external or sits below an @external field.
    _case("external_parent_local_leaves", EXT_DIMS, "dims { width height }", None),
    _case("external_parent_external_leaf", EXT_DIMS, "dims { width }", None, dims=EXT_WIDTH),
    _case("local_parent_external_leaf", LOCAL_DIMS, "dims { width }", None, dims=EXT_WIDTH),
    _case("external_parent_deep_local_leaf", EXT_DIMS, "dims { inner { a } }", None),
    _case(
        "external_middle_deep_local_leaf",
        LOCAL_DIMS,
        "dims { inner { a } }",
        None,
        dims="width: Int height: Int inner: Inner @external",
    ),
    _case("external_parent_typename", EXT_DIMS, "dims { __typename width }", None),
    _case("fragment_on_parent_external_field", EXT_DIMS, "... on Parcel { dims { width } }", None),
    _case(
        "interface_fragment_external_leaf",
        LOCAL_MEDIA,
        "media { ... on Book { pages } }",
        None,
        book="id: ID! info: Info pages: Int @external",
    ),
    _case(
        "interface_field_external_in_implementation",
        LOCAL_MEDIA,
        "media { info { x } }",
        None,
        book="id: ID! info: Info @external pages: Int",
    ),
    _case(
        "external_interface_fragment_local_leaf",
        "media: Media @external",
        "media { ... on Book { pages } }",
        None,
    ),
    _case(
        "type_level_external",
        LOCAL_DIMS,
        "dims { width height inner { a b } }",
        None,
        dims_directive="@external",
    ),
    _provides("provides_external_parent_local_leaf", "dims: Dims @external", None),
    # Only `shipping` serves `Query.mine`, but `base` (one @key jump away) resolves `Dims.width`.
    NestedCase(
        "own_root_local_parent_external_leaf",
        _ship(_requires(LOCAL_DIMS, "dims { width }"), EXT_WIDTH) + MINE,
        None,
    ),
    NestedCase("own_root_value_field_elsewhere", _ship(LOCAL_DIMS, "height: Int") + MINE, None),
    # Federation 1: the upgrade trims non-external leaves instead of rejecting them.
    _fed1_case("fed1_local_leaf_trimmed", "weight id", "weight: Int @external"),
    _fed1_case(
        "fed1_nested_local_leaf_trimmed",
        "weight dims { width }",
        "weight: Int @external dims: Dims",
    ),
    _fed1_case("fed1_only_local_leaves_dropped", "dims { width }", "dims: Dims"),
    _fed1_case("fed1_external_parent_kept", "dims { width }", "dims: Dims @external"),
    # Rejected: a leaf with no @external on it or above it.
    _case("local_parent_local_leaf", LOCAL_DIMS, "dims { width }", MISSING),
    _case(
        "local_parent_one_local_leaf", LOCAL_DIMS, "dims { width height }", MISSING, dims=EXT_WIDTH
    ),
    _case("local_parents_deep_local_leaf", LOCAL_DIMS, "dims { inner { a } }", MISSING),
    _case("top_level_typename", EXT_DIMS, "__typename dims { width }", MISSING),
    _case("local_parent_typename", LOCAL_DIMS, "dims { __typename }", MISSING),
    _case(
        "fragment_on_parent_local_field", LOCAL_DIMS, "... on Parcel { dims { width } }", MISSING
    ),
    _case("interface_fragment_local_leaf", LOCAL_MEDIA, "media { ... on Book { pages } }", MISSING),
    _case("interface_field_local_everywhere", LOCAL_MEDIA, "media { info { x } }", MISSING),
    NestedCase("extension_key_field_is_not_external", FED2 + EXTENSION_KEY, MISSING),
    NestedCase("extends_key_field_is_not_external", FED2 + EXTENDS_KEY, MISSING),
    _provides("provides_local_parent_local_leaf", LOCAL_DIMS, "PROVIDES_FIELDS_MISSING_EXTERNAL"),
    # Rejected: an @external field that no field set selects (nor an interface needs).
    _case(
        "type_level_external_partly_used",
        LOCAL_DIMS,
        "dims { width }",
        UNUSED,
        dims_directive="@external",
    ),
    _case("external_leaf_not_selected", EXT_DIMS, "dims { height }", UNUSED, dims=EXT_WIDTH),
    NestedCase(
        "external_field_implementing_an_interface",
        _ship(LOCAL_MEDIA, book="id: ID! info: Info @external pages: Int"),
        None,
    ),
    NestedCase(
        "fed1_external_implementing_an_interface_is_kept",
        "interface Sized { weight: Int } extend type Query { sized: Sized }"
        ' extend type Parcel implements Sized @key(fields: "id") { id: ID! @external'
        " weight: Int @external }",
        None,
        fed1=True,
    ),
]
