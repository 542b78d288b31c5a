"""Trace context travels from the publisher into Celery tasks."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from celery import Celery
from opentelemetry import trace
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from shared.tracing import configure_tracing, start_span
from tests.shared.celery_tasks import create_app
from tests.shared.conftest import CeleryWorker, ValkeyServer


@pytest.fixture
def client_app(celery_worker: CeleryWorker) -> Iterator[Celery]:
    app = create_app(celery_worker.redis_url)
    yield app
    app.close()


def test_task_continues_the_publishers_trace(client_app: Celery) -> None:
    configure_tracing("tests")
    with start_span("request") as span:
        result = client_app.tasks["tests.trace_id"].apply_async()
        expected = trace.format_trace_id(span.get_span_context().trace_id)
    assert result.get(timeout=15) == expected


def test_task_published_outside_a_span_gets_a_trace_of_its_own(client_app: Celery) -> None:
    worker_trace = client_app.tasks["tests.trace_id"].apply_async().get(timeout=15)
    assert len(worker_trace) == 32
    assert worker_trace != "0" * 32


def test_failed_task_span_is_marked_as_error(valkey: ValkeyServer) -> None:
    exporter = InMemorySpanExporter()
    configure_tracing("tests", exporter=exporter)
    app = create_app(valkey.url(2))
    app.tasks["tests.fail_once"].apply((f"attempts:{uuid.uuid4()}",), task_id=str(uuid.uuid4()))
    app.close()
    (span,) = [s for s in exporter.get_finished_spans() if s.name == "celery tests.fail_once"]
    assert span.kind is SpanKind.CONSUMER
    assert span.status.status_code is StatusCode.ERROR
    exporter.shutdown()
