"""Every fetch of every fixture plan is a valid operation for the subgraph it is sent to."""

from __future__ import annotations

import pytest
from graphql import parse, validate

from tests.router.planner.cases import CASES
from tests.router.planner.subgraph_schemas import subgraph_schema
from tests.router.planner.support import fetches, plan


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_fetch_validates_against_its_subgraph(name: str) -> None:
    graph, query, labels = CASES[name]
    for fetch in fetches(plan(graph, query, labels).node):
        schema = subgraph_schema(graph, fetch.service_name)
        errors = validate(schema, parse(fetch.operation))
        assert not errors, f"{fetch.service_name}: {fetch.operation}\n{errors}"
        definitions = parse(fetch.operation).definitions[0].variable_definitions  # type: ignore[attr-defined]
        declared = {d.variable.name.value for d in definitions} - {"representations"}
        assert declared == set(fetch.variable_usages)
