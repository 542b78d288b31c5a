"""Targeted planner behaviours, asserted on the plan nodes themselves."""

from __future__ import annotations

import pytest

from router.planner.nodes import (
    ConditionNode,
    FieldSelection,
    FlattenNode,
    InlineFragmentSelection,
    ParallelNode,
    SequenceNode,
    SubscriptionNode,
    ValueSetter,
)
from router.planner.planner import PlanningError
from tests.router.planner.support import fetches, plan


def test_introspection_and_root_typename_need_no_fetch() -> None:
    assert plan("shop", "{ __typename __schema { types { name } } }").node is None


def test_single_subgraph_query_is_one_fetch() -> None:
    node = plan("shop", "{ me { name } }").node
    assert [f.service_name for f in fetches(node)] == ["accounts"]
    assert fetches(node)[0].operation == "query{me{name}}"


def test_entity_fetch_requires_key_and_typename_per_type() -> None:
    node = plan("shop", "{ me { name reviews { body } } }").node
    assert isinstance(node, SequenceNode)
    flatten = node.nodes[1]
    assert isinstance(flatten, FlattenNode)
    assert flatten.path == ("me",)
    assert flatten.node.requires == (
        InlineFragmentSelection("User", (FieldSelection("__typename"), FieldSelection("id"))),
    )
    assert flatten.node.operation == (
        "query($representations:[_Any!]!){_entities(representations:$representations)"
        "{...on User{reviews{body}}}}"
    )


def test_list_positions_use_at_in_flatten_paths() -> None:
    node = plan("shop", "{ topProducts { reviews { author { name } } } }").node
    paths = [n.path for n in node.nodes if isinstance(n, FlattenNode)]  # type: ignore[union-attr]
    assert paths == [("topProducts", "@"), ("topProducts", "@", "reviews", "@", "author")]


def test_provided_field_is_read_from_the_providing_fetch() -> None:
    node = plan("shop", "{ latestReviews { author { username } } }").node
    assert [f.service_name for f in fetches(node)] == ["reviews"]


def test_provides_also_applies_inside_entity_fetches() -> None:
    node = plan("shop", "{ me { reviews { author { username } } } }").node
    assert [f.service_name for f in fetches(node)] == ["accounts", "reviews"]


def test_field_not_covered_by_provides_needs_a_hop() -> None:
    node = plan("shop", "{ me { reviews { author { username name } } } }").node
    assert [f.service_name for f in fetches(node)] == ["accounts", "reviews", "accounts"]


def test_required_fields_are_fetched_before_and_sent_in_representations() -> None:
    node = plan("shop", "{ topProducts { shippingEstimate } }").node
    root, inventory = fetches(node)
    assert root.operation == "query{topProducts{__typename upc price weight}}"
    assert inventory.requires == (
        InlineFragmentSelection(
            "Product",
            (
                FieldSelection("__typename"),
                FieldSelection("upc"),
                FieldSelection("price"),
                FieldSelection("weight"),
            ),
        ),
    )


def test_chained_requires_run_in_dependency_order() -> None:
    node = plan("requires", "{ parcels { tax } }").node
    assert [f.service_name for f in fetches(node)] == ["base", "shipping", "tax"]
    assert isinstance(node, SequenceNode) and len(node.nodes) == 3


def test_internal_field_is_aliased_when_the_client_uses_its_name() -> None:
    node = plan("shop", "{ topProducts { upc: name reviews { body } } }").node
    root, reviews = fetches(node)
    assert root.operation == "query{topProducts{upc:name __typename _mw1_upc:upc}}"
    assert reviews.requires == (
        InlineFragmentSelection(
            "Product", (FieldSelection("__typename"), FieldSelection("upc", alias="_mw1_upc"))
        ),
    )


def test_requirement_with_other_arguments_than_the_client_field_is_aliased() -> None:
    query = "query Q($x: Boolean) { parcels { cost(express: $x) tax } }"
    shipping = next(
        f for f in fetches(plan("requires", query).node) if f.service_name == "shipping"
    )
    assert "_mw1_cost:cost" in shipping.operation
    assert "cost(express:$x)" in shipping.operation


def test_only_used_variables_are_declared_and_forwarded() -> None:
    query = """query V($a: Int = 2, $b: Boolean!, $c: String) {
      topProducts(first: $a) { name } me { name @include(if: $b) }
    }"""
    products, accounts = fetches(plan("shop", query).node)
    assert products.variable_usages == ("a",)
    assert products.operation.startswith("query V__products__0($a:Int=2){")
    assert accounts.variable_usages == ("b",)


def test_root_fragment_condition_becomes_a_condition_node() -> None:
    node = plan(
        "shop", "query($r: Boolean!) { ... @include(if: $r) { latestReviews { body } } }"
    ).node
    assert isinstance(node, ConditionNode)
    assert node.condition == "r" and node.if_clause is not None and node.else_clause is None


def test_skip_on_root_fragment_runs_in_the_else_clause() -> None:
    node = plan("shop", "query($r: Boolean!) { ... @skip(if: $r) { latestReviews { body } } }").node
    assert isinstance(node, ConditionNode) and node.if_clause is None


def test_mutation_fields_run_in_order_and_consecutive_ones_share_a_fetch() -> None:
    query = """mutation {
      a: createProduct(upc: "1") { upc } b: createProduct(upc: "2") { upc }
      login(name: "x") { id } c: createProduct(upc: "3") { upc }
    }"""
    node = plan("shop", query).node
    assert isinstance(node, SequenceNode)
    assert [f.service_name for f in fetches(node)] == ["products", "accounts", "products"]
    assert all(f.operation_kind == "mutation" for f in fetches(node))


def test_subscription_primary_is_the_owning_subgraph() -> None:
    node = plan("shop", "subscription { reviewAdded { body product { name } } }").node
    assert isinstance(node, SubscriptionNode)
    assert node.primary.service_name == "reviews"
    assert node.primary.operation_kind == "subscription"
    assert isinstance(node.rest, FlattenNode) and node.rest.path == ("reviewAdded", "product")


def test_several_keys_pick_one_the_source_can_provide() -> None:
    node = plan("keys", "{ items { price } }").node
    _, pricing = fetches(node)
    assert pricing.requires == (
        InlineFragmentSelection("Item", (FieldSelection("__typename"), FieldSelection("sku"))),
    )


def test_compound_nested_key_is_sent_whole() -> None:
    node = plan("keys", "{ items { location { label } } }").node
    places = fetches(node)[-1]
    assert places.service_name == "places"
    assert places.requires == (
        InlineFragmentSelection(
            "Location",
            (
                FieldSelection("__typename"),
                FieldSelection("warehouse", (FieldSelection("code"),)),
                FieldSelection("shelf"),
            ),
        ),
    )


def test_unresolvable_key_still_lets_other_subgraphs_resolve_the_entity() -> None:
    node = plan("keys", "{ items { vendor { name } } }").node
    assert [f.service_name for f in fetches(node)] == ["catalog", "pricing"]


def test_interface_object_representations_rewrite_typename() -> None:
    node = plan("abstract", "{ media { rating } }").node
    ratings = fetches(node)[-1]
    assert ratings.service_name == "ratings"
    assert set(ratings.input_rewrites) == {
        ValueSetter(("... on Book", "__typename"), "Media"),
        ValueSetter(("... on Movie", "__typename"), "Media"),
    }
    assert "...on Media{rating}" in ratings.operation


def test_concrete_type_under_interface_object_is_asked_from_the_interface_owner() -> None:
    node = plan("abstract", "{ topRated { ... on Book { isbn } } }").node
    ratings, library = fetches(node)
    assert ratings.service_name == "ratings" and library.service_name == "library"
    assert "...on Media{__typename ...on Book{isbn}}" in library.operation


def test_abstract_positions_always_fetch_typename() -> None:
    root = fetches(plan("abstract", '{ search(text: "a") { ... on Director { name } } }').node)[0]
    assert root.operation == 'query{search(text:"a"){__typename ...on Director{name}}}'


def test_progressive_override_follows_enabled_labels() -> None:
    query = '{ account(id: "1") { plan } }'
    assert [f.service_name for f in fetches(plan("override", query).node)] == ["old"]
    labelled = plan("override", query, frozenset({"percent(25)"}))
    assert [f.service_name for f in fetches(labelled.node)] == ["old", "new"]


def test_overridden_field_is_fetched_from_the_new_owner() -> None:
    query = '{ account(id: "1") { balance } }'
    assert [f.service_name for f in fetches(plan("override", query).node)] == ["old", "new"]


def test_inaccessible_key_field_is_used_internally() -> None:
    node = plan("override", '{ account(id: "1") { lastLogin } }').node
    root, audit = fetches(node)
    assert "secret" in root.operation
    assert audit.requires == (
        InlineFragmentSelection(
            "Account", (FieldSelection("__typename"), FieldSelection("secret"))
        ),
    )


def test_shareable_root_field_goes_where_fewest_fetches_are_needed() -> None:
    assert [f.service_name for f in fetches(plan("shareable", "{ shop { open name } }").node)] == [
        "b"
    ]


def test_independent_root_fields_fetch_in_parallel() -> None:
    node = plan("shop", "{ me { name } latestReviews { body } }").node
    assert isinstance(node, ParallelNode)


def test_unknown_operation_name_is_an_error() -> None:
    from graphql import parse

    from router.planner.planner import QueryPlanner
    from tests.router.planner.support import supergraph

    with pytest.raises(PlanningError, match="Unknown operation named 'Nope'"):
        QueryPlanner(supergraph("shop")).plan(parse("query A { me { name } }"), "Nope")


def test_condition_on_the_only_field_of_a_fetch_becomes_a_condition_node() -> None:
    node = plan("shop", "query($w: Boolean!) { me @skip(if: $w) { name } }").node
    assert isinstance(node, ConditionNode) and node.condition == "w"
    assert node.else_clause is not None and node.if_clause is None


def test_defer_is_not_forwarded_to_subgraphs() -> None:
    root = fetches(plan("shop", "{ me { ... @defer { name } } }").node)[0]
    assert "defer" not in root.operation


def test_subgraph_operation_names_stay_valid_names() -> None:
    from graphql import parse

    from router.planner.planner import QueryPlanner
    from router.supergraph.model import Supergraph
    from tests.router.planner.support import SUPERGRAPHS

    sdl = (SUPERGRAPHS / "shop.graphql").read_text().replace('"accounts"', '"user-accounts"')
    planned = QueryPlanner(Supergraph.from_sdl(sdl)).plan(parse("query Me { me { name } }"))
    fetch = fetches(planned.node)[0]
    assert fetch.service_name == "user-accounts"
    assert fetch.operation_name == "Me__user_accounts__0"
    parse(fetch.operation)
