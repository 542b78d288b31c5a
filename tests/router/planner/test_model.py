"""The supergraph model: graphs, types, keys, fields and join facts from Apollo's SDL."""

from __future__ import annotations

import pytest

from router.supergraph.model import Supergraph, SupergraphError
from tests.router.planner.support import SUPERGRAPHS, supergraph


def test_graphs_map_enum_values_to_names_and_urls() -> None:
    graph = supergraph("shop").graphs["INVENTORY"]
    assert (graph.name, graph.url) == ("inventory", "http://inventory.test/graphql")


@pytest.mark.parametrize(
    ("name", "version"), [("shop_v03", "v0.3"), ("shop", "v0.4"), ("shop_v05", "v0.5")]
)
def test_join_versions_are_read(name: str, version: str) -> None:
    assert supergraph(name).join_version == version


def test_keys_per_graph_with_resolvable_flag() -> None:
    vendor = supergraph("keys").types["Vendor"]
    assert [(k.fields, k.resolvable) for k in vendor.keys["CATALOG"]] == [("id", False)]
    assert [(k.fields, k.resolvable) for k in vendor.keys["PRICING"]] == [("id", True)]
    item = supergraph("keys").types["Item"]
    assert [k.fields for k in item.keys["CATALOG"]] == ["id", "sku"]


def test_field_facts_per_graph() -> None:
    product = supergraph("shop").types["Product"]
    estimate = product.fields["shippingEstimate"].graphs["INVENTORY"]
    assert estimate.requires is not None
    assert [s.name.value for s in estimate.requires.selections] == ["price", "weight"]  # type: ignore[attr-defined]
    assert product.fields["price"].graphs["INVENTORY"].external
    author = supergraph("shop").types["Review"].fields["author"].graphs["REVIEWS"]
    assert author.provides is not None


def test_override_labels_decide_which_graph_resolves() -> None:
    plan_field = supergraph("override").types["Account"].fields["plan"]
    new, old = plan_field.graphs["NEW"], plan_field.graphs["OLD"]
    assert (new.override, new.override_label) == ("old", "percent(25)")
    assert not new.resolves(frozenset()) and old.resolves(frozenset())
    assert new.resolves(frozenset({"percent(25)"})) and not old.resolves(frozenset({"percent(25)"}))


def test_field_without_join_field_belongs_to_every_graph_of_its_type() -> None:
    upc = supergraph("shop").types["Product"].fields["upc"]
    assert set(upc.graphs) == {"INVENTORY", "PRODUCTS", "REVIEWS"}


def test_interface_objects_implements_and_union_members() -> None:
    sg = supergraph("abstract")
    media = sg.types["Media"]
    assert media.interface_object_graphs == {"RATINGS"}
    assert sg.types["Book"].implements["LIBRARY"] == {"Media"}
    assert sg.runtime_types_in("LIBRARY", "Result") == ["Book", "Movie", "Director"]
    assert sg.possible_types("Media") == frozenset({"Book", "Movie"})
    assert not sg.is_abstract_in("RATINGS", "Media") and sg.is_abstract_in("TITLES", "Media")


def test_list_depth_and_named_type_of_fields() -> None:
    top = supergraph("shop").types["Query"].fields["topProducts"]
    assert (top.named_type, top.list_depth) == ("Product", 1)


def test_api_schema_hides_inaccessible_and_join_machinery() -> None:
    schema = supergraph("override").api_schema
    account = schema.get_type("Account")
    assert account is not None and "secret" not in account.fields  # type: ignore[attr-defined]
    assert schema.get_type("join__Graph") is None


def test_sdl_without_join_graph_is_rejected() -> None:
    with pytest.raises(SupergraphError):
        Supergraph.from_sdl("type Query { a: Int }")


def test_every_fixture_supergraph_loads() -> None:
    for path in sorted(SUPERGRAPHS.glob("*.graphql")):
        assert Supergraph.from_sdl(path.read_text()).graphs


def test_federation_one_supergraph_is_rejected_with_a_clear_error() -> None:
    sdl = (SUPERGRAPHS / "shop.graphql").read_text().replace("join/v0.4", "join/v0.2")
    with pytest.raises(SupergraphError, match=r"join v0\.2"):
        Supergraph.from_sdl(sdl)


def test_renamed_join_spec_is_followed() -> None:
    sdl = (SUPERGRAPHS / "shop.graphql").read_text()
    sdl = sdl.replace('join/v0.4", for', 'join/v0.4", as: "j", for').replace("join__", "j__")
    renamed = Supergraph.from_sdl(sdl)
    assert set(renamed.graphs) == {"ACCOUNTS", "INVENTORY", "PRODUCTS", "REVIEWS"}
    assert renamed.types["Product"].keys["INVENTORY"][0].fields == "upc"


def test_percent_hundred_override_label_is_always_on() -> None:
    sdl = (SUPERGRAPHS / "override.graphql").read_text().replace("percent(25)", "percent(100)")
    plan_field = Supergraph.from_sdl(sdl).types["Account"].fields["plan"]
    assert plan_field.graphs["NEW"].resolves(frozenset())
    assert not plan_field.graphs["OLD"].resolves(frozenset())


def test_type_without_join_type_is_shared_by_every_graph() -> None:
    sdl = (SUPERGRAPHS / "shop.graphql").read_text()
    sdl = sdl.replace("type Review\n  @join__type(graph: REVIEWS)\n", "type Review\n")
    review = Supergraph.from_sdl(sdl).types["Review"]
    assert set(review.graphs) == {"ACCOUNTS", "INVENTORY", "PRODUCTS", "REVIEWS"}
    assert set(review.fields["body"].graphs) == set(review.graphs)
