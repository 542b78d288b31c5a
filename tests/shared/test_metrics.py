"""Prometheus helpers: request counters, latency histograms, breaker states, /metrics."""

from __future__ import annotations

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from shared.circuit_breaker import BreakerConfig, CircuitBreakers
from shared.metrics import (
    MetricsMiddleware,
    RequestMetrics,
    create_registry,
    metrics_endpoint,
    register_circuit_breakers,
)


def test_track_counts_outcomes_and_observes_latency() -> None:
    registry = create_registry(process_metrics=False)
    metrics = RequestMetrics(registry, "web")
    with metrics.track("webSearch"):
        pass
    with pytest.raises(TimeoutError), metrics.track("webSearch"):
        raise TimeoutError
    value = registry.get_sample_value
    assert value("web_requests_total", {"operation": "webSearch", "outcome": "ok"}) == 1
    assert value("web_requests_total", {"operation": "webSearch", "outcome": "error"}) == 1
    assert value("web_request_duration_seconds_count", {"operation": "webSearch"}) == 2
    assert (
        value("web_request_duration_seconds_bucket", {"operation": "webSearch", "le": "300.0"}) == 2
    )


def test_observe_puts_a_slow_request_in_the_right_bucket() -> None:
    registry = create_registry(process_metrics=False)
    RequestMetrics(registry, "pdf").observe("pdfExtract", "ok", 3.0)
    value = registry.get_sample_value
    assert (
        value("pdf_request_duration_seconds_bucket", {"operation": "pdfExtract", "le": "2.5"}) == 0
    )
    assert (
        value("pdf_request_duration_seconds_bucket", {"operation": "pdfExtract", "le": "5.0"}) == 1
    )
    assert value("pdf_request_duration_seconds_sum", {"operation": "pdfExtract"}) == 3.0


def test_breaker_states_are_published_at_scrape_time() -> None:
    registry = create_registry(process_metrics=False)
    breakers = CircuitBreakers(BreakerConfig(failure_threshold=1))
    register_circuit_breakers(registry, breakers)
    breakers.get("web")
    breakers.get("pdf").record_failure()
    value = registry.get_sample_value
    assert value("mateway_circuit_breaker_state", {"target": "web", "state": "closed"}) == 1
    assert value("mateway_circuit_breaker_state", {"target": "pdf", "state": "open"}) == 1
    assert value("mateway_circuit_breaker_state", {"target": "pdf", "state": "closed"}) == 0
    assert value("mateway_circuit_breaker_opened", {"target": "pdf"}) == 1


async def test_metrics_endpoint_serves_the_prometheus_text_format() -> None:
    registry = create_registry()
    RequestMetrics(registry, "router").observe("query", "ok", 0.02)
    app = Starlette(routes=[Route("/metrics", metrics_endpoint(registry))])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://kit") as client:
        response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    families = {family.name: family for family in text_string_to_metric_families(response.text)}
    assert "process_resident_memory_bytes" in families
    (sample,) = [s for s in families["router_requests"].samples if s.name.endswith("_total")]
    assert sample.labels == {"operation": "query", "outcome": "ok"}
    assert sample.value == 1


def test_registries_are_independent() -> None:
    first, second = create_registry(False), create_registry(False)
    RequestMetrics(first, "same")
    RequestMetrics(second, "same")  # no duplicate-metric error across services
    assert (
        second.get_sample_value("same_requests_total", {"operation": "x", "outcome": "ok"}) is None
    )


async def test_middleware_labels_requests_by_route_template_and_status() -> None:
    registry = create_registry(process_metrics=False)
    metrics = RequestMetrics(registry, "http")

    async def chat(request: Request) -> PlainTextResponse:
        if request.path_params["chat_id"] == "boom":
            raise RuntimeError("fails")
        return PlainTextResponse("ok")

    app = Starlette(
        routes=[
            Route("/chats/{chat_id}", chat),
            Route("/metrics", metrics_endpoint(registry)),
        ],
        middleware=[Middleware(MetricsMiddleware, metrics=metrics)],
    )
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://kit") as client:
        for path in ("/chats/1", "/chats/2", "/chats/boom", "/nowhere", "/metrics"):
            await client.get(path)
    value = registry.get_sample_value
    assert (
        value("http_requests_total", {"operation": "GET /chats/{chat_id}", "outcome": "200"}) == 2
    )
    assert (
        value("http_requests_total", {"operation": "GET /chats/{chat_id}", "outcome": "500"}) == 1
    )
    assert value("http_requests_total", {"operation": "GET unmatched", "outcome": "404"}) == 1
    assert value("http_request_duration_seconds_count", {"operation": "GET /metrics"}) is None
