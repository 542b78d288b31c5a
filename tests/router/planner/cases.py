"""Operations planned in snapshot tests: name -> (supergraph, operation, override labels)."""

from __future__ import annotations

NO_LABELS: frozenset[str] = frozenset()

CASES: dict[str, tuple[str, str, frozenset[str]]] = {
    "shop_cross_subgraph_requires_provides_aliases": (
        "shop",
        """query Top($n: Int = 3, $withName: Boolean!) {
          topProducts(first: $n) {
            upc name @include(if: $withName) shippingEstimate inStock
            reviews { body author { username name id: username } }
          }
          me { name }
        }""",
        NO_LABELS,
    ),
    "shop_provides_skips_fetch": (
        "shop",
        "{ latestReviews { body author { username } } }",
        NO_LABELS,
    ),
    "shop_provides_partial": (
        "shop",
        "{ latestReviews { author { username name } } }",
        NO_LABELS,
    ),
    "shop_client_alias_on_key_name": (
        "shop",
        "{ topProducts { upc: name reviews { body } } }",
        NO_LABELS,
    ),
    "shop_variables_forwarded_where_used": (
        "shop",
        """query V($a: Int = 2, $b: Boolean!, $unused: String) {
          topProducts(first: $a) { name }
          me { name @include(if: $b) }
        }""",
        NO_LABELS,
    ),
    "shop_include_on_field_with_hop": (
        "shop",
        "query I($w: Boolean!) { topProducts { name reviews @include(if: $w) { body } } }",
        NO_LABELS,
    ),
    "shop_fragments_and_root_condition": (
        "shop",
        """query F($skipName: Boolean!, $withReviews: Boolean!) {
          __typename
          __schema { queryType { name } }
          ... @include(if: $withReviews) { latestReviews { ...R } }
          topProducts { ...P name @skip(if: $skipName) }
        }
        fragment P on Product { upc alias: name ... on Product { shippingEstimate } }
        fragment R on Review { body author { ... on User { name } } }""",
        NO_LABELS,
    ),
    "shop_condition_fragment_moved_to_other_fetch": (
        "shop",
        """query ($skip: Boolean!) {
          me { id ... on User @skip(if: $skip) { name } ...Extra @include(if: $skip) }
        }
        fragment Extra on User { reviews { id } }""",
        NO_LABELS,
    ),
    "shop_mutations_in_order": (
        "shop",
        """mutation M($upc: String!) {
          a: createProduct(upc: $upc, name: "x") { upc reviews { body } }
          b: createProduct(upc: "2") { name }
          login(name: "bob") { name reviews { body } }
          addReview(upc: $upc, body: "great") { id product { name } }
        }""",
        NO_LABELS,
    ),
    "shop_subscription_with_entity_fields": (
        "shop",
        "subscription S { reviewAdded { body author { name } product { name inStock } } }",
        NO_LABELS,
    ),
    "keys_several_compound_nested_unresolvable": (
        "keys",
        "{ items { title price vendor { name } location { shelf label warehouse { code } } } }",
        NO_LABELS,
    ),
    "keys_value_type_field_from_a_subgraph_that_resolves_all_of_it": (
        "keys",
        "{ items { location { warehouse { code name } } } }",
        NO_LABELS,
    ),
    "keys_source_without_usable_key_goes_through_a_third_subgraph": (
        "keychain",
        "{ t { x } }",
        NO_LABELS,
    ),
    "shop_condition_on_whole_entity_fetch": (
        "shop",
        """query E($inc: Boolean!) {
          me { reviews { product { shippingEstimate upc } } }
          topProducts {
            a: reviews { body } b: reviews { id } ... @include(if: $inc) { inStock name }
          }
        }""",
        NO_LABELS,
    ),
    "requires_arguments_fragments_and_chain": (
        "requires",
        "query Q($x: Boolean = true) { parcels { id tax cost(express: $x) insurance } }",
        NO_LABELS,
    ),
    "requires_depending_on_requires": (
        "requires",
        "{ parcels { tax } }",
        NO_LABELS,
    ),
    "abstract_interfaces_and_unions_across_subgraphs": (
        "abstract",
        """{
          media { id title rating ... on Book { isbn } ... on Movie { director { name born } } }
          search(text: "x") { __typename ... on Media { title } ... on Director { name born } }
        }""",
        NO_LABELS,
    ),
    "abstract_provides_on_interface": (
        "abstract",
        "{ featured { id ... on Book { title } ... on Movie { title } } }",
        NO_LABELS,
    ),
    "abstract_client_alias_over_key_in_fragments": (
        "abstract",
        "{ media { id: title ... on Book { isbn } rating } }",
        NO_LABELS,
    ),
    "abstract_from_interface_object": (
        "abstract",
        "{ topRated { id rating title ... on Book { isbn } } }",
        NO_LABELS,
    ),
    "override_without_label_and_inaccessible_key": (
        "override",
        '{ account(id: "1") { id balance plan lastLogin } }',
        NO_LABELS,
    ),
    "override_with_label_enabled": (
        "override",
        '{ account(id: "1") { balance plan } }',
        frozenset({"percent(25)"}),
    ),
    "shareable_root_fewest_fetches": ("shareable", "{ shop { name open } }", NO_LABELS),
    "shareable_root_first_graph": ("shareable", "{ shop { name } }", NO_LABELS),
}
