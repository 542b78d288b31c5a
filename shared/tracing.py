"""OpenTelemetry tracing: one tracer provider per process, spans, W3C trace context in headers.

Spans are exported over OTLP/HTTP only when an endpoint is configured; without one, spans
still exist (so log lines carry trace ids) but go nowhere.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import contextmanager

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.propagators.textmap import Getter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor, SpanExporter
from opentelemetry.trace import Span, SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from opentelemetry.util.types import Attributes

TRACER_NAME = "mateway"
_propagator = TraceContextTextMapPropagator()
_provider_endpoints: set[str] = set()  # OTLP endpoints the global provider exports to


class _HeaderGetter(Getter[Mapping[str, str]]):
    """Reads headers case-insensitively, whatever mapping type carries them."""

    def get(self, carrier: Mapping[str, str], key: str) -> list[str] | None:
        """Return the header's value as a one-item list, or None when absent."""
        value = carrier.get(key)
        if value is None:
            lowered = key.lower()
            value = next((v for k, v in carrier.items() if k.lower() == lowered), None)
        return None if value is None else [value]

    def keys(self, carrier: Mapping[str, str]) -> list[str]:
        """Return every header name."""
        return list(carrier.keys())


_getter = _HeaderGetter()


def traces_url(endpoint: str) -> str:
    """The OTLP/HTTP traces URL for a collector base endpoint (adds /v1/traces if missing)."""
    endpoint = endpoint.rstrip("/")
    return endpoint if endpoint.endswith("/v1/traces") else f"{endpoint}/v1/traces"


def _add_exporters(
    provider: TracerProvider, otlp_endpoint: str | None, exporter: SpanExporter | None
) -> None:
    if otlp_endpoint:
        # Imported here so a process without an endpoint never loads the protobuf stack.
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        url = traces_url(otlp_endpoint)
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=url)))
    if exporter is not None:
        provider.add_span_processor(SimpleSpanProcessor(exporter))


def build_tracer_provider(
    service_name: str,
    otlp_endpoint: str | None = None,
    exporter: SpanExporter | None = None,
) -> TracerProvider:
    """A tracer provider naming the service, exporting over OTLP/HTTP when an endpoint is set."""
    provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
    _add_exporters(provider, otlp_endpoint, exporter)
    return provider


def configure_tracing(
    service_name: str,
    otlp_endpoint: str | None = None,
    exporter: SpanExporter | None = None,
) -> TracerProvider:
    """Install (once) the process's tracer provider and return it.

    OpenTelemetry allows one global provider per process, so later calls reuse it (in the
    embedded router every in-process subgraph shares the router's provider) and only add
    exporters not added before. `exporter` adds a synchronous exporter (tests use an
    in-memory one).
    """
    global _provider_endpoints
    current = trace.get_tracer_provider()
    if not isinstance(current, TracerProvider):
        current = build_tracer_provider(service_name, otlp_endpoint, exporter)
        trace.set_tracer_provider(current)
        _provider_endpoints = {traces_url(otlp_endpoint)} if otlp_endpoint else set()
        return current
    if otlp_endpoint and traces_url(otlp_endpoint) in _provider_endpoints:
        otlp_endpoint = None
    elif otlp_endpoint:
        _provider_endpoints.add(traces_url(otlp_endpoint))
    _add_exporters(current, otlp_endpoint, exporter)
    return current


def get_tracer(name: str = TRACER_NAME) -> trace.Tracer:
    """A tracer from the global provider."""
    return trace.get_tracer(name)


@contextmanager
def start_span(
    name: str,
    attributes: Attributes = None,
    kind: SpanKind = SpanKind.INTERNAL,
    context: Context | None = None,
) -> Iterator[Span]:
    """Start a span as the current one for the block; exceptions are recorded on it."""
    with get_tracer().start_as_current_span(
        name, context=context, kind=kind, attributes=attributes
    ) as span:
        yield span


def inject_trace_headers(
    headers: MutableMapping[str, str] | None = None,
) -> MutableMapping[str, str]:
    """Add the current span's W3C `traceparent` (and `tracestate`) to outgoing headers."""
    carrier: MutableMapping[str, str] = {} if headers is None else headers
    _propagator.inject(carrier)
    return carrier


def extract_trace_context(headers: Mapping[str, str]) -> Context:
    """The trace context carried by incoming headers (an empty context when there is none)."""
    return _propagator.extract(headers, getter=_getter)


@contextmanager
def server_span(
    name: str, headers: Mapping[str, str], attributes: Attributes = None
) -> Iterator[Span]:
    """Start a SERVER span continuing the trace named by the request's `traceparent`."""
    with start_span(
        name, attributes, kind=SpanKind.SERVER, context=extract_trace_context(headers)
    ) as span:
        yield span
