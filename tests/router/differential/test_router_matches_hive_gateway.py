"""Differential: every case answers the same through our router and through Hive Gateway."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.router.differential.compare import comparable
from tests.router.differential.queries import CASES, Case
from tests.router.differential.variants import Variant
from tests.support.gateways import post_graphql
from tests.support.servers import ManagedProcess

# Every test here runs once per supergraph variant (the `variant` fixture's params).


def test_supergraph_loads_in_hive_gateway(
    hive_gateway: ManagedProcess, http_client: httpx.Client
) -> None:
    """Hive Gateway serves the supergraph: a query across four subgraphs returns full data."""
    query = "{ users(first: 1) { name reviews { product { name inStock } } } }"
    response = post_graphql(http_client, hive_gateway.url, query).json()
    assert "errors" not in response, response
    user = response["data"]["users"][0]
    assert user["name"] == "User Number 1"
    assert all(review["product"]["name"] for review in user["reviews"])


def test_reference_answers_every_case_with_data(
    variant: Variant, hive_gateway: ManagedProcess, http_client: httpx.Client
) -> None:
    """Sanity check of the cases themselves: none is rejected outright by the reference."""
    for case in [case for case in CASES if variant.covers(case)]:
        variables = case.request_variables()
        response = post_graphql(http_client, hive_gateway.url, case.query, variables).json()
        # Every case returns data, except the ones named for a rejected request.
        assert "data" in response or case.id.endswith("_is_rejected"), (case.id, response)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_router_response_equals_hive_gateway_response(
    variant: Variant,
    case: Case,
    hive_gateway: ManagedProcess,
    our_router: ManagedProcess,
    http_client: httpx.Client,
) -> None:
    """Same data (with field order) and the same error messages and paths."""
    if not variant.covers(case):
        pytest.skip("the case selects subgraphs this supergraph variant leaves out")
    expected = post_graphql(http_client, hive_gateway.url, case.query, case.request_variables())
    actual = post_graphql(http_client, our_router.url, case.query, case.request_variables())
    assert actual.status_code == 200, actual.text
    reference_body = case.expected if case.expected is not None else expected.json()
    ours = comparable(actual.json(), case.introspection)
    reference = comparable(reference_body, case.introspection)
    if case.spec_errors is not None:
        reference["errors"] = case.spec_errors
    assert ours == reference, (
        f"ours:\n{actual.text[:3000]}\nreference:\n{json.dumps(reference_body)[:3000]}"
    )
