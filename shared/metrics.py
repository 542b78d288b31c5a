"""Prometheus metrics: a registry per service, request counters and latency histograms,
circuit breaker states, and the `/metrics` endpoint.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.circuit_breaker import CircuitBreakers, CircuitState

# Seconds; skills range from milliseconds (cache hits) to minutes (transcription).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)


def create_registry(process_metrics: bool = True) -> CollectorRegistry:
    """A fresh registry (not the global one), with process CPU/memory metrics by default."""
    registry = CollectorRegistry()
    if process_metrics:
        ProcessCollector(registry=registry)
    return registry


def metrics_endpoint(registry: CollectorRegistry) -> Callable[[Request], Awaitable[Response]]:
    """A Starlette endpoint serving the registry in the Prometheus text format."""

    async def metrics(_: Request) -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return metrics


class RequestMetrics:
    """Counts requests by operation and outcome and records their latency."""

    def __init__(self, registry: CollectorRegistry, prefix: str) -> None:
        self.requests = Counter(
            f"{prefix}_requests",
            "Requests handled, by operation and outcome.",
            ["operation", "outcome"],
            registry=registry,
        )
        self.latency = Histogram(
            f"{prefix}_request_duration_seconds",
            "Request latency in seconds, by operation.",
            ["operation"],
            registry=registry,
            buckets=LATENCY_BUCKETS,
        )

    def observe(self, operation: str, outcome: str, seconds: float) -> None:
        """Record one finished request."""
        self.requests.labels(operation=operation, outcome=outcome).inc()
        self.latency.labels(operation=operation).observe(seconds)

    @contextmanager
    def track(self, operation: str) -> Iterator[None]:
        """Time the block; the outcome is 'error' when it raises, else 'ok'."""
        started = time.perf_counter()
        outcome = "error"
        try:
            yield
            outcome = "ok"
        finally:
            self.observe(operation, outcome, time.perf_counter() - started)


class MetricsMiddleware:
    """ASGI middleware recording each HTTP request as operation "METHOD /route", outcome status.

    The route template (not the raw path) is the label, so path parameters cannot blow up
    the number of series; `/metrics` and `/health` are left out as scrape noise.
    """

    def __init__(
        self,
        app: ASGIApp,
        metrics: RequestMetrics,
        skip_paths: frozenset[str] = frozenset({"/metrics", "/health"}),
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.skip_paths = skip_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.skip_paths:
            await self.app(scope, receive, send)
            return
        status = 500  # what the client gets if the app raises before responding

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        started = time.perf_counter()
        try:
            await self.app(scope, receive, send_with_status)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            operation = f"{scope['method']} {route}"
            self.metrics.observe(operation, str(status), time.perf_counter() - started)


class CircuitBreakerCollector(Collector):
    """Exposes each breaker's state at scrape time (one gauge per target and state)."""

    def __init__(self, breakers: CircuitBreakers, prefix: str = "mateway") -> None:
        self.breakers = breakers
        self.prefix = prefix

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """Yield the state gauge (1 for the current state, 0 for the others) and open counts."""
        states = GaugeMetricFamily(
            f"{self.prefix}_circuit_breaker_state",
            "1 when the target's circuit is in this state.",
            labels=["target", "state"],
        )
        opened = GaugeMetricFamily(
            f"{self.prefix}_circuit_breaker_opened",
            "How many times the target's circuit has opened since start.",
            labels=["target"],
        )
        for breaker in self.breakers.all():
            current = breaker.state
            for state in CircuitState:
                states.add_metric([breaker.target, state.value], 1.0 if state is current else 0.0)
            opened.add_metric([breaker.target], float(breaker.opened_count))
        yield states
        yield opened


def register_circuit_breakers(
    registry: CollectorRegistry, breakers: CircuitBreakers, prefix: str = "mateway"
) -> None:
    """Publish the breakers' states in the registry."""
    registry.register(CircuitBreakerCollector(breakers, prefix))
