"""Differential subscriptions: the same events through our router and Hive Gateway.

Both gateways subscribe to the stores subgraph over graphql-transport-ws and, for each
event, fetch the entity fields other subgraphs own; clients read graphql-sse streams.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.router.differential.compare import comparable
from tests.router.differential.variants import Variant
from tests.support.gateways import subscribe_sse
from tests.support.servers import ManagedProcess


@dataclass(frozen=True)
class Subscription:
    """One subscription operation and its variables."""

    id: str
    query: str
    variables: dict[str, Any] | None = None


SUBSCRIPTIONS = [
    Subscription(
        "events_with_fields_from_two_other_subgraphs",
        "subscription { visitStream(count: 3) { sequence store { name openSince rating } } }",
    ),
    Subscription(
        "events_with_requires_chain_aliases_and_include",
        """subscription ($n: Int!, $withStore: Boolean!) { v: visitStream(count: $n) {
             seq: sequence store @include(if: $withStore) { name deliveryFee valueScore } } }""",
        {"n": 4, "withStore": True},
    ),
    Subscription(
        "events_without_entity_fetches_when_excluded",
        """subscription ($withStore: Boolean!) { visitStream(count: 2) { sequence
             store @include(if: $withStore) { name } } }""",
        {"withStore": False},
    ),
]


@pytest.mark.parametrize("subscription", SUBSCRIPTIONS, ids=[s.id for s in SUBSCRIPTIONS])
def test_subscription_events_equal_hive_gateway_events(
    variant: Variant,
    subscription: Subscription,
    hive_gateway: ManagedProcess,
    our_router: ManagedProcess,
    http_client: httpx.Client,
) -> None:
    """Same number of events, each with the same data and errors, then completion."""
    if variant.demo_only:
        pytest.skip("the stores subgraph is not in this supergraph variant")
    query, variables = subscription.query, subscription.variables
    expected = subscribe_sse(http_client, hive_gateway.url, query, variables)
    actual = subscribe_sse(http_client, our_router.url, query, variables)
    assert expected, "the reference sent no events"
    assert [comparable(event) for event in actual] == [comparable(event) for event in expected]
