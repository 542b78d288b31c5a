"""The operations sent to both gateways: each names the behaviour it exercises."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from tests.router.differential.subgraphs.media import CATALOG, Book
from tests.router.differential.subgraphs.popularity import popularity_of
from tests.router.differential.subgraphs.ratings import rating_of


def _book(book_id: str) -> Book:
    item = CATALOG[book_id]
    assert isinstance(item, Book)
    return item


@dataclass(frozen=True)
class Case:
    """One request: a query, its variables, and a test id naming the behaviour."""

    id: str
    query: str
    variables: dict[str, Any] | None = field(default=None)
    # Set only where Hive Gateway 2.15.1 reports a wrong error path: the spec's errors
    # ('message @ path', as compare.error_summary prints them) that our router must return.
    spec_errors: list[str] | None = field(default=None)
    # Mutations keep state per run id: each request gets a fresh $runId so both gateways
    # start from the same (empty) state and their answers can be compared.
    fresh_run_id: bool = False
    # Set only where Hive Gateway 2.15.1 fails outright: the answer the spec requires,
    # built from the subgraphs' own data, that our router must return instead.
    expected: dict[str, Any] | None = None
    # Introspection lists (fields, enum values) may come in any order: compare them sorted.
    introspection: bool = False

    def request_variables(self) -> dict[str, Any] | None:
        """The variables to send with one request."""
        if not self.fresh_run_id:
            return self.variables
        return {**(self.variables or {}), "runId": uuid.uuid4().hex}


CASES: list[Case] = [
    Case(
        "deep_nested_entities_across_four_subgraphs",
        """{ users(first: 3) { id name reviews { id body product { upc name price inStock
             reviews { id author { id name username } } } } } }""",
    ),
    Case(
        "requires_fetches_price_and_weight_first",
        "{ topProducts(first: 8) { upc name inStock shippingEstimate } }",
    ),
    Case(
        "requires_without_selecting_required_fields",
        "{ topProducts(first: 4) { shippingEstimate } }",
    ),
    Case(
        "provides_skips_the_accounts_fetch",
        "{ latestReviews(first: 4) { id author { id username } } }",
    ),
    Case(
        "provided_and_non_provided_fields_together",
        "{ latestReviews(first: 4) { author { username name } } }",
    ),
    Case(
        "aliases_on_root_and_entity_fields",
        """{ first: user(id: "user-1") { handle: username fullName: name }
             second: user(id: "user-2") { handle: username posts: reviews { text: body
               item: product { label: name stock: inStock } } } }""",
    ),
    Case(
        "same_field_twice_with_different_arguments",
        "{ a: topProducts(first: 1) { name } b: topProducts(first: 3) { upc price } }",
    ),
    Case(
        "named_fragments_spread_across_subgraphs",
        """query Fragments { topProducts(first: 3) { ...ProductCard } me { ...Person } }
           fragment ProductCard on Product { upc name inStock reviews { ...ReviewLine } }
           fragment ReviewLine on Review { body author { ...Person } }
           fragment Person on User { id username name }""",
    ),
    Case(
        "inline_fragments_on_interface_with_entity_fields",
        """{ media { __typename id title ... on Book { pages rating author { name }
             } ... on Movie { minutes } } }""",
    ),
    Case(
        "union_members_resolved_in_another_subgraph",
        """{ search(term: "2") { __typename ... on Book { title rating } ... on Movie {
             title minutes rating } } }""",
    ),
    Case(
        "typename_at_every_level",
        """{ __typename topProducts(first: 2) { __typename upc reviews { __typename
             author { __typename id reviews { __typename id } } } } }""",
    ),
    Case(
        "variables_with_defaults_left_unset",
        """query ($first: Int! = 2, $upc: String! = "upc-3") { topProducts(first: $first) {
             name } product(upc: $upc) { name reviews { body } } }""",
        {},
    ),
    Case(
        "variables_with_defaults_overridden",
        """query ($first: Int! = 2, $upc: String! = "upc-3") { topProducts(first: $first) {
             name } product(upc: $upc) { name shippingEstimate } }""",
        {"first": 4, "upc": "upc-9"},
    ),
    Case(
        "variables_passed_into_entity_subgraph_arguments",
        """query ($id: ID!) { user(id: $id) { name reviews { product { name } } } }""",
        {"id": "user-5"},
    ),
    Case(
        "skip_and_include_with_variables",
        """query ($withReviews: Boolean!, $skipPrice: Boolean = true) { topProducts(first: 2) {
             name price @skip(if: $skipPrice) reviews @include(if: $withReviews) {
             body author { name } } inStock @include(if: $withReviews) } }""",
        {"withReviews": True},
    ),
    Case(
        "skip_and_include_dropping_whole_entity_fetches",
        """query ($withReviews: Boolean!, $skipPrice: Boolean = true) { topProducts(first: 2) {
             name price @skip(if: $skipPrice) reviews @include(if: $withReviews) {
             body author { name } } inStock @include(if: $withReviews) } }""",
        {"withReviews": False, "skipPrice": False},
    ),
    Case(
        "skip_on_fragments",
        """query ($skip: Boolean!) { me { id ... on User @skip(if: $skip) { name }
             ...Extra @include(if: $skip) } } fragment Extra on User { reviews { id } }""",
        {"skip": True},
    ),
    Case(
        "nullable_field_error_in_root_subgraph",
        """{ user(id: "user-3") { name privateNote } }""",
    ),
    Case(
        "nullable_field_error_inside_entity_fetch",
        """{ latestReviews(first: 1) { body author { name privateNote } } }""",
    ),
    Case(
        "non_null_error_nulls_the_nullable_parent",
        """{ user(id: "user-7") { name riskScore } other: user(id: "user-8") { riskScore } }""",
    ),
    Case(
        "non_null_error_in_entity_propagates_up_to_nullable_product",
        """{ product(upc: "upc-4") { name reviews { body author { riskScore } } } }""",
    ),
    Case(
        "error_from_entity_fetch_on_union_member",
        """{ search(term: "movie 4") { __typename ... on Movie { title rating } } }""",
        # Hive Gateway drops the list index here and reports ["search", "rating"].
        spec_errors=['rating service has no score for movie-4 @ ["search", 0, "rating"]'],
    ),
    Case(
        "missing_entity_from_products_is_null_fields",
        """{ latestReviews(first: 2) { body product { upc name price } } }""",
    ),
    Case(
        "missing_root_entity_is_null",
        """{ user(id: "user-missing") { id name } product(upc: "upc-missing") { name } }""",
    ),
    Case(
        "entity_keys_deduplicated_across_a_list",
        """{ users(first: 6) { reviews { product { name reviews { author { name } } } } } }""",
    ),
    Case(
        "root_fields_of_several_subgraphs_in_one_query",
        """{ warehouseName ratingScale me { name } topProducts(first: 1) { name }
             latestReviews(first: 1) { id } }""",
    ),
    Case(
        "override_serves_the_field_from_the_new_subgraph",
        "{ stores { id phone } }",
    ),
    Case(
        "override_with_percent_zero_label_stays_on_the_old_subgraph",
        "{ stores { id hours } }",
    ),
    Case(
        "inaccessible_key_still_used_for_entity_jumps",
        """{ stores(filter: { country: "DE" }) { name openSince feeCurrency } }""",
    ),
    Case(
        "requires_of_an_enum_through_an_inaccessible_key",
        "{ stores { name kind deliveryFee } }",
    ),
    Case(
        "inaccessible_field_is_rejected",
        "{ stores { name legacyCode } }",
    ),
    Case(
        "nested_compound_key_jump",
        "{ stores { name rating region { code } } }",
    ),
    Case(
        "output_enum_values_merged_across_subgraphs",
        "{ stores { currency feeCurrency } }",
    ),
    Case(
        "input_object_with_enum_from_variables",
        "query ($filter: StoreFilter) { stores(filter: $filter) { name kind } }",
        {"filter": {"kind": "PHARMACY"}},
    ),
    Case(
        "input_object_literal_with_enum",
        """{ stores(filter: { country: "US", kind: GROCERY }) { id name } }""",
    ),
    Case(
        "shareable_root_field",
        "{ storeCount }",
    ),
    Case(
        "mutation_fields_run_in_order_with_entity_fields",
        """mutation Visits($runId: String!) {
             a: recordVisit(runId: $runId, storeId: "store-1") { sequence }
             b: recordVisit(runId: $runId, storeId: "store-2") { sequence
                store { name openSince deliveryFee rating } }
             c: recordVisit(runId: $runId, storeId: "store-3") { sequence store { hours } } }""",
        fresh_run_id=True,
    ),
    Case(
        "interface_object_field_on_the_interface",
        "{ media { id title popularity } }",
        # Hive Gateway does not fetch @interfaceObject fields for concrete types
        # ("Cannot return null for non-nullable field Book.popularity").
        expected={
            "data": {
                "media": [
                    {"id": item.id, "title": item.title, "popularity": popularity_of(item.id)}
                    for item in CATALOG.values()
                ]
            }
        },
    ),
    Case(
        "interface_object_field_on_a_concrete_type",
        """{ book(id: "book-1") { title popularity rating } }""",
        expected={
            "data": {
                "book": {
                    "title": "Book 1",
                    "popularity": popularity_of("book-1"),
                    "rating": rating_of("book-1"),
                }
            }
        },
    ),
    Case(
        "interface_object_root_field_resolves_concrete_types",
        """{ trending { __typename id popularity title ... on Book { pages author { name } }
             ... on Movie { minutes } } }""",
    ),
    Case(
        "provides_on_a_root_list_skips_the_owner",
        "{ topRatedBooks { id title rating } }",
    ),
    Case(
        "provided_and_owner_only_fields_together",
        "{ topRatedBooks { title pages popularity } }",
        expected={
            "data": {
                "topRatedBooks": [
                    {
                        "title": f"Book {n}",
                        "pages": _book(f"book-{n}").pages,
                        "popularity": popularity_of(f"book-{n}"),
                    }
                    for n in (2, 4)
                ]
            }
        },
    ),
    Case(
        "introspection_of_an_entity_type_hides_inaccessible_fields",
        """{ __type(name: "Store") { name kind fields { name args { name }
             type { kind name ofType { kind name } } } } }""",
        introspection=True,
    ),
    Case(
        "introspection_of_root_types_and_an_enum",
        """{ __schema { queryType { name } mutationType { name } subscriptionType { name } }
             currency: __type(name: "Currency") { enumValues { name } } }""",
        introspection=True,
    ),
    Case(
        "override_with_percent_hundred_label_moves_to_the_new_subgraph",
        "{ stores { id email } }",
    ),
    Case(
        "requires_that_depends_on_another_requires",
        "{ stores { name valueScore } }",
    ),
    Case(
        "nullable_entity_reference_jumps_back_to_the_owner",
        "{ stores { name nearest { name phone nearest { id } } } }",
    ),
    Case(
        "missing_required_variable_is_rejected",
        "query ($first: Int!) { topProducts(first: $first) { name } }",
        {},
    ),
    Case(
        "variable_of_the_wrong_type_is_rejected",
        "query ($first: Int!) { topProducts(first: $first) { name } }",
        {"first": "three"},
    ),
    Case(
        "syntax_error_is_rejected",
        "{ topProducts(first: 2) { name }",
    ),
    Case(
        "unknown_argument_is_rejected",
        "{ topProducts(last: 2) { name } }",
    ),
    Case(
        "provides_through_a_union_fragment",
        """{ topRatedItems { __typename ... on Book { id title rating }
             ... on Movie { id title rating } } }""",
    ),
    Case(
        "provided_union_member_field_with_owner_only_field",
        "{ topRatedItems { ... on Book { title pages } ... on Movie { minutes } } }",
    ),
]
