"""Parsing a tool call's assembled JSON arguments."""

from __future__ import annotations

from typing import Any

import orjson

from subgraphs.ai.providers.transport import malformed


def parse_arguments(provider: str, tool: str, text: str) -> dict[str, Any]:
    """The arguments object of a finished tool call; empty text means no arguments."""
    if not text.strip():
        return {}
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        raise malformed(
            provider, f"tool call {tool!r} arguments that are not JSON: {text[:200]!r}"
        ) from None
    if not isinstance(value, dict):
        raise malformed(
            provider, f"tool call {tool!r} arguments that are not an object: {text[:200]!r}"
        )
    return value
