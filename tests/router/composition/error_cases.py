"""Subgraph sets that must not compose, with the code and the culprits each error names."""

from __future__ import annotations

from dataclasses import dataclass

from router.composition import SubgraphSchema

FED2 = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key",'
    ' "@shareable", "@external", "@requires", "@provides", "@override", "@inaccessible"])\n'
)


@dataclass(frozen=True)
class ErrorCase:
    """One broken composition: the expected code and words its message must contain."""

    id: str
    code: str
    subgraphs: dict[str, str]
    mentions: tuple[str, ...]
    apollo_agrees: bool = True  # False where Apollo's tooling fails before composing

    def schemas(self) -> list[SubgraphSchema]:
        """The subgraphs, with a Federation 2 link prepended unless the SDL says `#as-is`."""
        return [
            SubgraphSchema(name, f"http://{name}/graphql", sdl if "#as-is" in sdl else FED2 + sdl)
            for name, sdl in self.subgraphs.items()
        ]


ERROR_CASES = [
    ErrorCase(
        "non_shareable_field_in_two_subgraphs",
        "INVALID_FIELD_SHARING",
        {
            "accounts": 'type User @key(fields: "id") { id: ID! name: String } type Query {'
            " me: User }",
            "reviews": 'type User @key(fields: "id") { id: ID! name: String }',
        },
        ('"User.name"', '"accounts"', '"reviews"', "non-shareable"),
    ),
    ErrorCase(
        "conflicting_field_types",
        "FIELD_TYPE_MISMATCH",
        {
            "accounts": "type Money @shareable { amount: Int }"
            " type Query { price: Money @shareable }",
            "billing": "type Money @shareable { amount: String }"
            " type Query { price: Money @shareable }",
        },
        ('"Money.amount"', '"Int"', '"String"', '"accounts"', '"billing"'),
    ),
    ErrorCase(
        "key_names_a_missing_field",
        "KEY_INVALID_FIELDS",
        {"accounts": 'type User @key(fields: "uuid") { id: ID! } type Query { me: User }'},
        ("[accounts]", '"User"', "uuid"),
    ),
    ErrorCase(
        "key_selects_an_interface",
        "KEY_FIELDS_SELECT_INVALID_TYPE",
        {
            "accounts": "interface Owner { id: ID! } type Org implements Owner { id: ID! }"
            ' type User @key(fields: "owner { id }") { owner: Owner! } type Query { me: User }'
        },
        ("[accounts]", '"User.owner"', "interface"),
    ),
    ErrorCase(
        "requires_names_a_missing_field",
        "REQUIRES_INVALID_FIELDS",
        {
            "accounts": 'type User @key(fields: "id") { id: ID! name: String } type Query {'
            " me: User }",
            "greetings": 'type User @key(fields: "id") { id: ID! greeting: String'
            ' @requires(fields: "nickname") }',
        },
        ("[greetings]", '"User.greeting"', "nickname"),
    ),
    ErrorCase(
        "requires_a_field_not_marked_external",
        "REQUIRES_FIELDS_MISSING_EXTERNAL",
        {
            "accounts": 'type User @key(fields: "id") { id: ID! name: String @shareable }'
            " type Query { me: User }",
            "greetings": 'type User @key(fields: "id") { id: ID! name: String @shareable'
            ' greeting: String @requires(fields: "name") }',
        },
        ("[greetings]", '"User.greeting"', '"User.name"', "@external"),
    ),
    ErrorCase(
        "requires_that_no_key_can_satisfy",
        "SATISFIABILITY_ERROR",
        {
            "accounts": 'type User @key(fields: "id", resolvable: false) { id: ID! name: String }'
            " type Query { me: User }",
            "greetings": 'type User @key(fields: "id") { id: ID! name: String @external'
            ' greeting: String @requires(fields: "name") }',
        },
        ("[greetings]", '"User.greeting"', '"User.name"', '"accounts"'),
    ),
    ErrorCase(
        "provides_a_field_not_marked_external",
        "PROVIDES_FIELDS_MISSING_EXTERNAL",
        {
            "accounts": 'type User @key(fields: "id") { id: ID! name: String @shareable }'
            " type Query { me: User }",
            "reviews": 'type User @key(fields: "id") { id: ID! name: String @shareable }'
            ' type Review { author: User @provides(fields: "name") } type Query '
            "{ reviews: [Review] }",
        },
        ("[reviews]", '"Review.author"', '"User.name"'),
    ),
    ErrorCase(
        "external_field_defined_nowhere_else",
        "EXTERNAL_MISSING_ON_BASE",
        {
            "accounts": 'type User @key(fields: "id") { id: ID! } type Query { me: User }',
            "greetings": 'type User @key(fields: "id") { id: ID! name: String @external'
            ' greeting: String @requires(fields: "name") }',
        },
        ('"User.name"', '"greetings"', "@external"),
    ),
    ErrorCase(
        "enum_in_and_out_with_different_values",
        "ENUM_VALUE_MISMATCH",
        {
            "chats": "enum Order { ASC DESC } type Query { sort(order: Order): Order }",
            "mates": "enum Order { ASC DESC RANDOM } type Query { mateOrder: Order }",
        },
        ('"Order"', '"RANDOM"', '"chats"', '"mates"'),
    ),
    ErrorCase(
        "required_input_field_missing_in_a_subgraph",
        "REQUIRED_INPUT_FIELD_MISSING_IN_SOME_SUBGRAPH",
        {
            "chats": "input Page { first: Int! after: String }"
            " type Query { chats(page: Page): Int }",
            "mates": "input Page { after: String } type Query { mates(page: Page): Int }",
        },
        ('"Page.first"', '"chats"', '"mates"'),
    ),
    ErrorCase(
        "input_with_no_common_field",
        "EMPTY_MERGED_INPUT_TYPE",
        {
            "chats": "input Filter { a: Int } type Query { chats(f: Filter): Int }",
            "mates": "input Filter { b: Int } type Query { mates(f: Filter): Int }",
        },
        ('"Filter"',),
    ),
    ErrorCase(
        "required_argument_missing_in_a_subgraph",
        "REQUIRED_ARGUMENT_MISSING_IN_SOME_SUBGRAPH",
        {
            "chats": "type Query { search(text: String!, limit: Int): Int @shareable }",
            "mates": "type Query { search(limit: Int): Int @shareable }",
        },
        ('"Query.search(text:)"', '"chats"', '"mates"'),
    ),
    ErrorCase(
        "type_kind_mismatch",
        "TYPE_KIND_MISMATCH",
        {
            "chats": "type Media { id: ID } type Query { a: Media }",
            "mates": "interface Media { id: ID } type Query { b: Media }",
        },
        ('"Media"', '"chats"', '"mates"', "interface"),
    ),
    ErrorCase(
        "override_from_itself",
        "OVERRIDE_FROM_SELF_ERROR",
        {"chats": 'type Query { a: Int @override(from: "chats") }'},
        ('"chats"', '"Query.a"'),
    ),
    ErrorCase(
        "override_with_an_invalid_label",
        "OVERRIDE_LABEL_INVALID",
        {
            "chats": "type Query { a: Int }",
            "mates": 'type Query { a: Int @override(from: "chats", label: "1bad label") }',
        },
        ('"1bad label"', '"Query.a"', '"mates"'),
    ),
    ErrorCase(
        "visible_field_returns_an_inaccessible_type",
        "REFERENCED_INACCESSIBLE",
        {"chats": "type Secret @inaccessible { v: Int } type Query { secret: Secret }"},
        ('"Secret"', '"Query.secret"'),
    ),
    ErrorCase(
        "sdl_that_does_not_parse",
        "INVALID_GRAPHQL",
        {"chats": "type Query { a: }"},
        ("[chats]",),
        apollo_agrees=False,
    ),
    ErrorCase(
        "federation1_value_field_against_non_shareable_federation2_field",
        "INVALID_FIELD_SHARING",
        {
            "legacy": '#as-is\ntype User @key(fields: "id") { id: ID! name: String } type'
            " Query { me: User }",
            "modern": 'type User @key(fields: "id") { id: ID! name: String }',
        },
        ('"User.name"', '"modern"'),
    ),
]

ERROR_CASES += [
    ErrorCase(
        "type_extended_but_defined_nowhere",
        "EXTENSION_WITH_NO_BASE",
        {"chats": "extend type Extra { a: Int } type Query { extra: Extra }"},
        ("[chats]", '"Extra"'),
    ),
    ErrorCase(
        "entity_interface_missing_an_implementation",
        "INTERFACE_KEY_MISSING_IMPLEMENTATION_TYPE",
        {
            "media": 'interface Media @key(fields: "id") { id: ID! }'
            ' type Book implements Media @key(fields: "id") { id: ID! } type Query { m: Media }',
            "films": 'interface Media @key(fields: "id") { id: ID! }'
            ' type Film implements Media @key(fields: "id") { id: ID! }',
        },
        ('"Media"', '"Film"', '"media"', '"Book"'),
    ),
    ErrorCase(
        "context_directives_are_refused",
        "UNSUPPORTED_FEATURE",
        {"chats": 'type Query { a(x: Int @federation__fromContext(field: "$c { id }")): Int }'},
        ("[chats]", "fromContext"),
        apollo_agrees=False,
    ),
]

ERROR_CASES += [
    ErrorCase(
        "spec_directive_imported_under_two_names",
        "LINK_IMPORT_NAME_MISMATCH",
        {
            "chats": '#as-is\nextend schema @link(url: "https://specs.apollo.dev/federation/v2.3",'
            ' import: [{name: "@tag", as: "@label"}]) type Query { a: Int @label(name: "x") }',
            "mates": '#as-is\nextend schema @link(url: "https://specs.apollo.dev/federation/v2.3",'
            ' import: ["@tag"]) type Query { b: Int @tag(name: "y") }',
        },
        ('"@tag"', '"@label"', '"chats"', '"mates"'),
    ),
]

ERROR_CASES += [
    ErrorCase(
        "value_type_field_unreachable_from_a_subgraph",
        "SATISFIABILITY_ERROR",
        {
            "maps": "type Point @shareable { x: Int y: Int } type Query { origin: Point }",
            "routes": "type Point @shareable { x: Int } type Query { start: Point }",
        },
        ('"Point.y"', '"routes"', '"Query.start"', '"maps"'),
    ),
    ErrorCase(
        "entity_field_behind_an_unresolvable_key",
        "SATISFIABILITY_ERROR",
        {
            "accounts": 'type User @key(fields: "id") { id: ID! } type Query { me: User }',
            "profiles": 'type User @key(fields: "id", resolvable: false) { id: ID! bio: String }'
            " type Query { profiles: [User] }",
        },
        ('"User.bio"', '"accounts"', '"profiles"'),
    ),
]

ERROR_CASES += [
    ErrorCase(
        "shareable_subscription_field",
        "INVALID_FIELD_SHARING",
        {"chats": "type Query { a: Int } type Subscription { messages: String @shareable }"},
        ('"Subscription.messages"', "subscription"),
    ),
]

AUTH = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key",'
    ' "@external", "@requires", "@authenticated", "@shareable"])\n'
)
ERROR_CASES += [
    ErrorCase(
        "shared_union_field_with_no_common_member",
        "SHAREABLE_HAS_MISMATCHED_RUNTIME_TYPES",
        {
            "books": "type Book { id: ID } union Result = Book"
            " type Query { results: [Result] @shareable }",
            "films": "type Film { id: ID } union Result = Film"
            " type Query { results: [Result] @shareable }",
        },
        ('"Query.results"', '"books"', '"Book"', '"films"', '"Film"'),
    ),
    ErrorCase(
        "requires_reads_data_protected_more_than_the_field",
        "MISSING_TRANSITIVE_AUTH_REQUIREMENTS",
        {
            "films": "#as-is\n" + AUTH + 'type Film @key(fields: "id") { id: ID!'
            " minutes: Int @authenticated } type Query { films: [Film] }",
            "stats": "#as-is\n" + AUTH + 'type Film @key(fields: "id") { id: ID!'
            ' minutes: Int @external long: Boolean @requires(fields: "minutes") }',
        },
        ("[stats]", '"Film.long"', '"Film.minutes"'),
    ),
]
