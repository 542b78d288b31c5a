"""Prometheus metrics of the router: requests, latencies, subgraph fetches, plan cache."""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from router.pipeline import RequestContext
from router.transports import GraphQLResponse

__all__ = ["CONTENT_TYPE_LATEST", "RouterMetrics"]

_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class RouterMetrics:
    """The router's series in their own registry (so several routers can share a process)."""

    def __init__(
        self, registry: CollectorRegistry | None = None, max_operations: int = 500
    ) -> None:
        self.registry = registry or CollectorRegistry(auto_describe=True)
        self.max_operations = max_operations
        self._operations: set[str] = set()
        self.requests = Counter(
            "mateway_router_requests",
            "GraphQL requests by operation and outcome (success, partial, error)",
            ["operation", "outcome"],
            registry=self.registry,
        )
        self.request_seconds = Histogram(
            "mateway_router_request_duration_seconds",
            "Time to answer a GraphQL request, by operation",
            ["operation"],
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.fetch_seconds = Histogram(
            "mateway_router_subgraph_fetch_duration_seconds",
            "Time of one subgraph fetch, by subgraph and outcome",
            ["subgraph", "outcome"],
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.plan_cache_hits = Counter(
            "mateway_router_plan_cache_hits",
            "Operations whose plan was cached",
            [],
            registry=self.registry,
        )
        self.plan_cache_misses = Counter(
            "mateway_router_plan_cache_misses",
            "Operations planned on this request",
            [],
            registry=self.registry,
        )
        self.subscriptions = Counter(
            "mateway_router_subscriptions",
            "Subscriptions ended, by operation and outcome (complete, error, cancelled)",
            ["operation", "outcome"],
            registry=self.registry,
        )
        # Label lookups take a lock; the hot path reuses the children it has seen.
        self._children: dict[tuple[str, ...], Any] = {}

    def _child(self, metric: Any, *labels: str) -> Any:
        key = (metric._name, *labels)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*labels)
        return child

    async def observe_request(self, ctx: RequestContext) -> None:
        """Records one finished request (hooked on the RESPONSE stage)."""
        operation = self._operation(ctx.prepared.name if ctx.prepared is not None else "unknown")
        self._child(self.requests, operation, outcome_of(ctx.response)).inc()
        elapsed = time.perf_counter() - ctx.started
        self._child(self.request_seconds, operation).observe(elapsed)
        if ctx.plan_cache_hit is True:
            self.plan_cache_hits.inc()
        elif ctx.plan_cache_hit is False:
            self.plan_cache_misses.inc()

    def observe_fetch(self, subgraph: str, outcome: str, seconds: float) -> None:
        """Records one subgraph fetch."""
        self._child(self.fetch_seconds, subgraph, outcome).observe(seconds)

    def observe_subscription(self, operation: str, outcome: str) -> None:
        """Records one ended subscription."""
        self._child(self.subscriptions, self._operation(operation), outcome).inc()

    def _operation(self, name: str) -> str:
        """The operation label; names past ``max_operations`` share "other".

        Clients choose operation names, so unbounded labels would let them grow the
        router's memory and the metrics backend without limit.
        """
        if name in self._operations:
            return name
        if len(self._operations) >= self.max_operations:
            return "other"
        self._operations.add(name)
        return name

    def exposition(self) -> bytes:
        """The Prometheus text exposition of every series."""
        return generate_latest(self.registry)


def outcome_of(response: GraphQLResponse | None) -> str:
    """success (no errors), partial (data and errors) or error (no data)."""
    if not response or not response.get("errors"):
        return "success"
    return "partial" if response.get("data") is not None else "error"
