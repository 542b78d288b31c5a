"""The plan cache: hits for repeated operations, bounded size, keyed by document and name."""

from __future__ import annotations

from graphql import parse

from router.planner.cache import PlanCache, document_hash
from router.planner.nodes import QueryPlan
from router.planner.planner import QueryPlanner
from tests.router.planner.support import supergraph


def test_repeated_operation_is_a_cache_hit_returning_the_same_plan() -> None:
    planner = QueryPlanner(supergraph("shop"))
    first = planner.plan(parse("{ me { name } }"))
    second = planner.plan(parse("{ me { name } }"))
    assert first is second
    assert (planner.cache.hits, planner.cache.misses) == (1, 1)


def test_operation_name_is_part_of_the_key() -> None:
    planner = QueryPlanner(supergraph("shop"))
    document = parse("query A { me { name } } query B { latestReviews { body } }")
    a, b = planner.plan(document, "A"), planner.plan(document, "B")
    assert a is not b
    assert planner.cache.misses == 2 and len(planner.cache) == 2


def test_cache_evicts_least_recently_used_beyond_its_size() -> None:
    cache = PlanCache(maxsize=2)
    plans = [QueryPlan(None) for _ in range(3)]
    cache.put(("a", None, frozenset()), plans[0])
    cache.put(("b", None, frozenset()), plans[1])
    assert cache.get(("a", None, frozenset())) is plans[0]  # "a" is now the most recently used
    cache.put(("c", None, frozenset()), plans[2])
    assert len(cache) == 2
    assert (
        ("b", None, frozenset()) not in cache
        and ("a", None, frozenset()) in cache
        and ("c", None, frozenset()) in cache
    )


def test_planner_cache_stays_bounded() -> None:
    planner = QueryPlanner(supergraph("shop"), cache_size=3)
    for n in range(10):
        planner.plan(parse(f"{{ topProducts(first: {n}) {{ name }} }}"))
    assert len(planner.cache) == 3


def test_document_hash_differs_for_different_text() -> None:
    assert document_hash(parse("{ a }")) != document_hash(parse("{ b }"))
    assert document_hash(parse("{ a }")) == document_hash(parse("{ a }"))


def test_per_request_override_labels_get_their_own_plans() -> None:
    from tests.router.planner.support import fetches

    planner = QueryPlanner(supergraph("override"))
    document = parse('{ account(id: "1") { plan } }')
    default = planner.plan(document)
    rolled = planner.plan(document, override_labels=frozenset({"percent(25)"}))
    assert [f.service_name for f in fetches(default.node)] == ["old"]
    assert [f.service_name for f in fetches(rolled.node)] == ["old", "new"]
    assert planner.plan(document, override_labels=frozenset({"percent(25)"})) is rolled
    assert supergraph("override").override_labels == frozenset({"percent(25)"})
