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
    """Each error as 'message @ path', sorted: the spec does not fix the order of errors.

    Quotes are unified: the spec leaves message wording free, and graphql-core quotes
    values in coercion errors with ' where graphql-js (Hive Gateway) uses ".
    """
    errors = response.get("errors") or []
    return sorted(
        f"{str(error.get('message')).replace(chr(39), chr(34))} @ {json.dumps(error.get('path'))}"
        for error in errors
    )


def sort_named(value: Any) -> Any:
    """Sorts lists of objects that have a "name" (introspection fields, types, values).

    The order of a type's fields in introspection is the schema's, and a supergraph's
    API schema may order them either way; the spec does not fix it across gateways.
    """
    if isinstance(value, dict):
        return {key: sort_named(item) for key, item in value.items()}
    if isinstance(value, list):
        items = [sort_named(item) for item in value]
        if items and all(isinstance(item, dict) and "name" in item for item in items):
            return sorted(items, key=lambda item: str(item["name"]))
        return items
    return value


def comparable(response: dict[str, Any], introspection: bool = False) -> dict[str, Any]:
    """The parts of a response both gateways must agree on: data (in order) and errors."""
    data = sort_named(response.get("data")) if introspection else response.get("data")
    return {"data": ordered(data), "errors": error_summary(response)}
