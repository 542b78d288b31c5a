"""Trace context across Celery: the publisher's W3C headers ride on the message, and each
task runs in a CONSUMER span continuing that trace (so worker log lines carry its trace id).
"""

from __future__ import annotations

from contextvars import Token
from typing import Any

from celery import Task
from celery.signals import before_task_publish, task_postrun, task_prerun
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

from shared.tracing import extract_trace_context, get_tracer, inject_trace_headers

# Spans of the tasks running in this worker process, by task id (ended in task_postrun).
_task_spans: dict[str, tuple[Span, Token[Context]]] = {}
_TRACE_HEADERS = ("traceparent", "tracestate")


def _inject_trace(headers: dict[str, Any] | None = None, **_: Any) -> None:
    if headers is not None:
        inject_trace_headers(headers)


def _start_task_span(task_id: str, task: Task[Any, Any], **_: Any) -> None:
    carrier = {
        name: value for name in _TRACE_HEADERS if isinstance(value := task.request.get(name), str)
    }
    parent = extract_trace_context(carrier)
    span = get_tracer().start_span(f"celery {task.name}", context=parent, kind=SpanKind.CONSUMER)
    token = otel_context.attach(trace.set_span_in_context(span, parent))
    _task_spans[task_id] = (span, token)


def _end_task_span(task_id: str, state: str | None = None, **_: Any) -> None:
    entry = _task_spans.pop(task_id, None)
    if entry is not None:
        span, token = entry
        if state == "FAILURE":
            span.set_status(Status(StatusCode.ERROR, "task failed"))
        otel_context.detach(token)
        span.end()


def install_task_tracing() -> None:
    """Carry the publisher's trace into its tasks (W3C headers on the message); idempotent."""
    before_task_publish.connect(_inject_trace, weak=False, dispatch_uid="mateway-trace-publish")
    task_prerun.connect(_start_task_span, weak=False, dispatch_uid="mateway-trace-prerun")
    task_postrun.connect(_end_task_span, weak=False, dispatch_uid="mateway-trace-postrun")
