"""Each class of composition error has a stable code and names the subgraphs, types, fields."""

from __future__ import annotations

import pytest

from router.composition import CompositionError, SubgraphSchema, compose
from tests.router.composition.error_cases import ERROR_CASES, FED2, ErrorCase


@pytest.mark.parametrize("case", ERROR_CASES, ids=[c.id for c in ERROR_CASES])
def test_error_has_its_code_and_names_the_culprits(case: ErrorCase) -> None:
    with pytest.raises(CompositionError) as raised:
        compose(case.schemas())
    matching = [str(issue) for issue in raised.value.issues if issue.code == case.code]
    assert matching, f"expected {case.code}, got {raised.value.codes}"
    for mention in case.mentions:
        assert any(mention in message for message in matching), (mention, matching)


def test_all_errors_are_reported_together() -> None:
    subgraphs = [
        SubgraphSchema(
            "a",
            "http://a",
            FED2 + 'type User @key(fields: "nope") { id: ID! } type Query { u: User }',
        ),
        SubgraphSchema(
            "b", "http://b", FED2 + 'type T @key(fields: "x") { id: ID! } type Query { t: T }'
        ),
    ]
    with pytest.raises(CompositionError) as raised:
        compose(subgraphs)
    assert raised.value.codes == ["KEY_INVALID_FIELDS", "KEY_INVALID_FIELDS"]
    assert "[a]" in str(raised.value) and "[b]" in str(raised.value)


def test_duplicate_subgraph_names_are_rejected() -> None:
    sdl = FED2 + "type Query { a: Int }"
    with pytest.raises(CompositionError) as raised:
        compose([SubgraphSchema("a", "http://a", sdl), SubgraphSchema("a", "http://b", sdl)])
    assert raised.value.codes == ["INVALID_SUBGRAPH_NAME"]
    assert '"a"' in str(raised.value)


def test_no_query_root_anywhere_is_an_error() -> None:
    with pytest.raises(CompositionError) as raised:
        compose([SubgraphSchema("a", "http://a", FED2 + "type Mutation { a: Int }")])
    assert raised.value.codes == ["NO_QUERIES"]


def test_renamed_and_prefixed_federation_directives_are_understood() -> None:
    sdl = (
        'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3",'
        ' import: [{name: "@key", as: "@id"}, "@external"])\n'
        'type User @id(fields: "id") { id: ID! name: String @federation__shareable }'
        " type Query { me: User }"
    )
    other = FED2 + 'type User @key(fields: "id") { id: ID! name: String @shareable }'
    composed = compose(
        [SubgraphSchema("a", "http://a", sdl), SubgraphSchema("b", "http://b", other)]
    )
    assert '@join__type(graph: A, key: "id")' in composed.supergraph_sdl
    assert "@id" not in composed.supergraph_sdl and "federation__" not in composed.supergraph_sdl
