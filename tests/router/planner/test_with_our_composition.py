"""Plans are the same whether the fixture supergraph comes from Apollo's composer or ours."""

from __future__ import annotations

import pytest
from graphql import parse

from router.composition.compose import compose
from router.composition.subgraph import SubgraphSchema
from router.planner.planner import QueryPlanner
from router.planner.render import plan_to_text
from router.supergraph.model import Supergraph
from tests.router.planner.cases import CASES
from tests.router.planner.generated import random_query
from tests.router.planner.support import SUPERGRAPHS, plan, supergraph

FIXTURES = ["shop", "keys", "keychain", "abstract", "override", "shareable", "shop_v03"]


def _our_sdl(name: str) -> str:
    folder = SUPERGRAPHS / name
    subgraphs = [
        SubgraphSchema(f.stem, f"http://{f.stem}.test/graphql", f.read_text())
        for f in sorted(folder.glob("*.graphql"))
    ]
    return compose(subgraphs).supergraph_sdl


def _ours(name: str) -> Supergraph:
    return Supergraph.from_sdl(_our_sdl(name))


@pytest.mark.parametrize("name", FIXTURES)
def test_plans_match_across_composers(name: str) -> None:
    ours = _ours(name)
    queries = [(q, labels) for graph, q, labels in CASES.values() if graph == name]
    queries += [(random_query(supergraph(name).api_schema, seed), frozenset()) for seed in range(8)]
    for query, labels in queries:
        expected = plan_to_text(plan(name, query, labels))
        assert plan_to_text(QueryPlanner(ours, labels).plan(parse(query))) == expected, query


def test_requires_fixture_composes_with_ours_too() -> None:
    # `dims { width height }` selects non-external Dims fields under the @external `dims`.
    assert _our_sdl("requires") == (SUPERGRAPHS / "requires.graphql").read_text()
    ours = _ours("requires")
    for _, (graph, query, labels) in sorted(CASES.items()):
        if graph == "requires":
            expected = plan_to_text(plan(graph, query, labels))
            assert plan_to_text(QueryPlanner(ours, labels).plan(parse(query))) == expected
