"""The committed platform supergraph (supergraph/supergraph.graphql) loads in Hive Gateway."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from graphql import build_schema

from tests.support.gateways import post_graphql, start_hive_gateway
from tests.support.servers import REPO_ROOT, ManagedProcess, ProcessGroup

PLATFORM_SUPERGRAPH = REPO_ROOT / "supergraph" / "supergraph.graphql"
API_SCHEMA = REPO_ROOT / "schema" / "schema.graphql"


@pytest.fixture(scope="module")
def platform_hive() -> Iterator[ManagedProcess]:
    """Hive Gateway on the committed supergraph (its subgraphs are not running)."""
    group = ProcessGroup()
    try:
        yield start_hive_gateway(group, PLATFORM_SUPERGRAPH)
    finally:
        group.stop_all()


def test_hive_gateway_serves_the_platform_api_schema(platform_hive: ManagedProcess) -> None:
    """Hive answers introspection with the same root fields as our schema/schema.graphql."""
    query = "{ __schema { queryType { fields { name } } } }"
    with httpx.Client(timeout=30.0) as client:
        response = post_graphql(client, platform_hive.url, query).json()
    assert "errors" not in response, response
    served = {field["name"] for field in response["data"]["__schema"]["queryType"]["fields"]}
    query_type = build_schema(API_SCHEMA.read_text()).query_type
    assert query_type is not None
    assert served == set(query_type.fields)
