"""Broad check: seeded operations over every fixture API plan into valid subgraph fetches."""

from __future__ import annotations

import pytest
from graphql import parse, validate

from tests.router.planner.generated import random_query
from tests.router.planner.subgraph_schemas import subgraph_schema
from tests.router.planner.support import fetches, plan, supergraph

FIXTURES = ["shop", "keys", "keychain", "requires", "abstract", "override", "shareable"]


@pytest.mark.parametrize("name", FIXTURES)
def test_seeded_operations_plan_into_valid_subgraph_fetches(name: str) -> None:
    schema = supergraph(name).api_schema
    for seed in range(20):
        query = random_query(schema, seed)
        assert not validate(schema, parse(query)), query
        for fetch in fetches(plan(name, query).node):
            errors = validate(subgraph_schema(name, fetch.service_name), parse(fetch.operation))
            assert not errors, f"{query}\n{fetch.service_name}: {fetch.operation}\n{errors}"
