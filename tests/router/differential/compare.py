"""What two gateways' responses must share, normalised only where the spec leaves room."""

from __future__ import annotations

import json
from typing import Any


def ordered(value: Any) -> Any:
    """Objects become lists of (key, value) pairs, so comparison also checks field order."""
    if isinstance(value, dict):
        return [[key, ordered(item)] for key, item in value.items()]
    if isinstance(value, list):
        return [ordered(item) for item in value]
    return value


def error_summary(response: dict[str, Any]) -> list[str]:
    """Each error as 'message @ path', sorted: the spec does not fix the order of errors."""
    errors = response.get("errors") or []
    return sorted(f"{error.get('message')} @ {json.dumps(error.get('path'))}" for error in errors)


def comparable(response: dict[str, Any]) -> dict[str, Any]:
    """The parts of a response both gateways must agree on: data (in order) and errors."""
    return {"data": ordered(response.get("data")), "errors": error_summary(response)}
