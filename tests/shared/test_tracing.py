"""Tracing: spans, W3C trace context in headers, and OTLP/HTTP export when configured."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from shared.tracing import (
    build_tracer_provider,
    configure_tracing,
    extract_trace_context,
    inject_trace_headers,
    server_span,
    start_span,
    traces_url,
)


@pytest.fixture(scope="module")
def spans() -> Iterator[InMemorySpanExporter]:
    """Finished spans of the global provider, cleared per test."""
    exporter = InMemorySpanExporter()
    configure_tracing("tests", exporter=exporter)
    yield exporter


@pytest.fixture(autouse=True)
def _clear(spans: InMemorySpanExporter) -> None:
    spans.clear()


def test_start_span_records_a_finished_span_with_attributes(spans: InMemorySpanExporter) -> None:
    with start_span("work", {"chat.id": "c1"}) as span:
        assert trace.get_current_span() is span
    (finished,) = spans.get_finished_spans()
    assert finished.name == "work"
    assert finished.attributes == {"chat.id": "c1"}


def test_exception_in_span_is_recorded_as_error(spans: InMemorySpanExporter) -> None:
    with pytest.raises(KeyError), start_span("broken"):
        raise KeyError("x")
    (finished,) = spans.get_finished_spans()
    assert finished.status.status_code is trace.StatusCode.ERROR
    assert finished.events[0].name == "exception"


def test_injected_traceparent_names_the_current_span(spans: InMemorySpanExporter) -> None:
    with start_span("client") as span:
        headers = inject_trace_headers({"accept": "application/json"})
        ctx = span.get_span_context()
    assert headers["accept"] == "application/json"
    version, trace_id, span_id, flags = headers["traceparent"].split("-")
    assert (version, trace_id, span_id) == (
        "00",
        trace.format_trace_id(ctx.trace_id),
        trace.format_span_id(ctx.span_id),
    )
    assert int(flags, 16) & 0x01  # sampled


def test_no_traceparent_is_injected_without_an_active_span() -> None:
    assert "traceparent" not in inject_trace_headers()


def test_server_span_continues_the_callers_trace(spans: InMemorySpanExporter) -> None:
    with start_span("router fetch") as parent:
        headers = dict(inject_trace_headers())
    # Another service receives the headers, here with the header name in capitals.
    with server_span("subgraph request", {"Traceparent": headers["traceparent"]}):
        pass
    child = next(s for s in spans.get_finished_spans() if s.name == "subgraph request")
    assert child.kind is SpanKind.SERVER
    assert child.context.trace_id == parent.get_span_context().trace_id
    assert child.parent is not None
    assert child.parent.span_id == parent.get_span_context().span_id


def test_headers_without_traceparent_start_a_new_trace(spans: InMemorySpanExporter) -> None:
    assert trace.get_current_span(extract_trace_context({})) is trace.INVALID_SPAN
    with server_span("fresh", {}) as span:
        assert span.get_span_context().is_valid
    assert spans.get_finished_spans()[0].parent is None


def test_configure_tracing_keeps_one_global_provider() -> None:
    assert configure_tracing("a") is configure_tracing("b") is trace.get_tracer_provider()


def test_traces_url_appends_the_otlp_path_once() -> None:
    assert traces_url("http://otel:4318") == "http://otel:4318/v1/traces"
    assert traces_url("http://otel:4318/") == "http://otel:4318/v1/traces"
    assert traces_url("http://otel:4318/v1/traces") == "http://otel:4318/v1/traces"


class _Collector(BaseHTTPRequestHandler):
    received: list[tuple[str, str, int]] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        self.rfile.read(length)
        self.received.append((self.path, self.headers["Content-Type"], length))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output quiet."""


def test_spans_are_exported_over_otlp_http_when_an_endpoint_is_configured() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        provider = build_tracer_provider("exporting", f"http://127.0.0.1:{server.server_port}")
        with provider.get_tracer("t").start_as_current_span("exported"):
            pass
        assert provider.force_flush(timeout_millis=5000)
        provider.shutdown()
    finally:
        server.shutdown()
        server.server_close()
    (path, content_type, length) = _Collector.received[0]
    assert path == "/v1/traces"
    assert content_type == "application/x-protobuf"
    assert length > 0
