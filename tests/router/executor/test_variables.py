"""Variable coercion: the fast path for simple types agrees with graphql-core's."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import build_schema, parse

from router.executor.variables import VariableCoercer, VariablesError, coerce_variables

SCHEMA = build_schema(
    """
    enum Kind { BOOK MOVIE }
    input Filter { kind: Kind = BOOK, tags: [String!] }
    type Query { f(i: Int, fl: Float, s: String, b: Boolean, id: ID, k: Kind, filter: Filter): Int }
    """
)
SIMPLE = parse(
    "query($i: Int!, $fl: Float = 1.5, $s: String, $b: Boolean = true, $id: ID, $k: Kind = MOVIE)"
    "{ f(i: $i, fl: $fl, s: $s, b: $b, id: $id, k: $k) }"
).definitions[0]
NESTED = parse('query($filter: Filter = {tags: "x"}) { f(filter: $filter) }').definitions[0]


def _outcome(coerce: Any, raw: Any) -> Any:
    try:
        return coerce(raw)
    except VariablesError as error:
        return error.errors


@pytest.mark.parametrize(
    "raw",
    [
        {"i": 1},
        {"i": 2, "fl": 3, "s": "x", "b": False, "id": 7, "k": "BOOK"},
        {"i": 1, "s": None, "id": "abc"},
        {"i": 2**31},
        {"i": True},
        {"i": 1.5},
        {"i": None},
        {},
        None,
        {"i": 1, "k": "SONG"},
        {"i": 1, "fl": "1.0"},
        {"i": 1, "b": "yes"},
        {"i": 1, "id": 1.5},
        [1],
    ],
)
def test_fast_coercion_matches_graphql_core(raw: Any) -> None:
    fast = VariableCoercer(SCHEMA, SIMPLE)  # type: ignore[arg-type]
    assert _outcome(fast.coerce, raw) == _outcome(
        lambda r: coerce_variables(SCHEMA, SIMPLE, r), raw
    )  # type: ignore[arg-type]


def test_defaults_are_applied_and_values_coerced() -> None:
    fast = VariableCoercer(SCHEMA, SIMPLE)  # type: ignore[arg-type]
    assert fast.coerce({"i": 3, "id": 9}) == {"i": 3, "fl": 1.5, "b": True, "id": "9", "k": "MOVIE"}


def test_input_objects_take_the_full_path_with_defaults() -> None:
    coercer = VariableCoercer(SCHEMA, NESTED)  # type: ignore[arg-type]
    assert coercer.coerce({}) == {"filter": {"kind": "BOOK", "tags": ["x"]}}
    assert coercer.coerce({"filter": {"kind": "MOVIE"}}) == {"filter": {"kind": "MOVIE"}}
    with pytest.raises(VariablesError) as raised:
        coercer.coerce({"filter": {"kind": "SONG"}})
    assert raised.value.errors[0]["extensions"] == {"code": "BAD_USER_INPUT"}
    assert "Value 'SONG' does not exist in 'Kind' enum" in raised.value.errors[0]["message"]
