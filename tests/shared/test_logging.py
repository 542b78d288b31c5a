"""JSON log lines: exact fields, extra data in context, trace id of the active span."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from opentelemetry import trace

import shared.logging as kit_logging
from shared.logging import FIELDS, configure_logging
from shared.tracing import configure_tracing, start_span


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    """Logging configured into a buffer; the root logger is restored afterwards."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    buffer = io.StringIO()
    configure_logging("router", "INFO", stream=buffer)
    yield buffer
    for handler in list(root.handlers):
        if handler not in saved[0]:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(saved[1])
    kit_logging._configured = None


def lines(buffer: io.StringIO) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in buffer.getvalue().splitlines()]


def test_each_record_is_one_json_object_with_exactly_the_fields(stream: io.StringIO) -> None:
    logging.getLogger("mateway.chat").info("chat %s opened", "c1", extra={"user_id": 7})
    (line,) = lines(stream)
    assert tuple(line) == FIELDS
    assert line["service_name"] == "router"
    assert line["level"] == "INFO"
    assert line["message"] == "chat c1 opened"
    assert line["context"] == {"user_id": 7, "logger": "mateway.chat"}
    assert line["trace_id"] == ""
    stamp = datetime.fromisoformat(line["timestamp"])
    assert stamp.utcoffset() is not None and stamp.utcoffset().total_seconds() == 0


def test_trace_id_is_the_active_spans(stream: io.StringIO) -> None:
    configure_tracing("tests")
    with start_span("request") as span:
        logging.getLogger("x").warning("inside")
        expected = trace.format_trace_id(span.get_span_context().trace_id)
    logging.getLogger("x").warning("outside")
    inside, outside = lines(stream)
    assert inside["trace_id"] == expected
    assert len(expected) == 32
    assert outside["trace_id"] == ""


def test_exception_goes_into_context(stream: io.StringIO) -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("x").exception("failed")
    (line,) = lines(stream)
    assert line["level"] == "ERROR"
    assert "ValueError: boom" in line["context"]["exception"]
    assert "\n" not in stream.getvalue().rstrip("\n")


def test_unserialisable_extra_values_are_stringified(stream: io.StringIO) -> None:
    logging.getLogger("x").info("path", extra={"where": Path("/tmp/a")})
    assert lines(stream)[0]["context"]["where"] == "/tmp/a"


def test_records_below_the_level_are_dropped(stream: io.StringIO) -> None:
    logging.getLogger("x").debug("noise")
    assert stream.getvalue() == ""


def test_configuring_again_does_not_duplicate_lines(stream: io.StringIO) -> None:
    configure_logging("router", "INFO", stream=stream)
    configure_logging("router", "INFO", stream=stream)
    logging.getLogger("x").info("once")
    assert len(lines(stream)) == 1


def test_file_output_under_the_log_dir(stream: io.StringIO, tmp_path: Path) -> None:
    configure_logging("web", "INFO", log_dir=tmp_path / "logs", stream=stream)
    logging.getLogger("x").info("to file")
    for handler in logging.getLogger().handlers:
        handler.flush()
    (line,) = [
        orjson.loads(raw) for raw in (tmp_path / "logs" / "web.log").read_text().splitlines()
    ]
    assert line["service_name"] == "web"
    assert line["message"] == "to file"
    assert lines(stream)[0]["message"] == "to file"
