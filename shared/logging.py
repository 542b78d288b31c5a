"""JSON logs, one object per line: timestamp, service_name, trace_id, level, message, context.

`context` holds the record's extra data (`logger.info("x", extra={"chat_id": 1})`) and, when
present, the formatted exception. `trace_id` is the current OpenTelemetry span's trace id.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import orjson
from opentelemetry import trace

FIELDS = ("timestamp", "service_name", "trace_id", "level", "message", "context")

# Attributes every LogRecord has; anything else on a record came from `extra`.
_RECORD_ATTRS = frozenset(
    logging.LogRecord("", 0, "", 0, "", None, None).__dict__.keys()
    | {"message", "asctime", "taskName"}
)

_MARK = "_mateway_handler"
_configured: tuple[object, ...] | None = None


def current_trace_id() -> str:
    """The trace id of the active span as 32 hex digits, or '' when there is none."""
    context = trace.get_current_span().get_span_context()
    return trace.format_trace_id(context.trace_id) if context.is_valid else ""


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object with exactly the Mateway log fields."""

    def __init__(self, service_name: str) -> None:
        super().__init__()
        self.service_name = service_name

    def format(self, record: logging.LogRecord) -> str:
        """Render the record as a single JSON line."""
        context: dict[str, Any] = {
            key: value for key, value in record.__dict__.items() if key not in _RECORD_ATTRS
        }
        if record.name and record.name != "root":
            context.setdefault("logger", record.name)
        if record.exc_info:
            context["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            context["exception"] = record.exc_text
        payload = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"
            ),
            "service_name": self.service_name,
            "trace_id": current_trace_id(),
            "level": record.levelname,
            "message": record.getMessage(),
            "context": context,
        }
        return orjson.dumps(payload, default=str).decode()


def configure_logging(
    service_name: str,
    level: str = "INFO",
    log_dir: Path | None = None,
    stream: IO[str] | None = None,
) -> None:
    """Send the root logger's output as JSON lines to a stream and optionally logs/<service>.log.

    Calling it again with the same arguments does nothing; with different ones it replaces the
    handlers it installed before (never anyone else's).
    """
    global _configured
    key = (service_name, level, log_dir, id(stream) if stream is not None else None)
    if _configured == key:
        return
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, _MARK, False)]:
        root.removeHandler(handler)
        handler.close()
    formatter = JsonFormatter(service_name)
    handlers: list[logging.Handler] = [logging.StreamHandler(stream or sys.stderr)]
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
        # WatchedFileHandler reopens the file when logrotate moves it away.
        handlers.append(logging.handlers.WatchedFileHandler(log_dir / f"{service_name}.log"))
    for handler in handlers:
        handler.setFormatter(formatter)
        setattr(handler, _MARK, True)
        root.addHandler(handler)
    root.setLevel(level)
    _configured = key
