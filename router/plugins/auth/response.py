"""The response of a filtered operation: one error per refused field, and no other noise.

The executor shapes the client's operation, so a refused non-null field (or a field whose
whole selection was refused) comes back as a null in a non-null position, with the
spec's "Cannot return null" error. That null is the refusal, already reported: those
errors are dropped, and the refusals go first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from router.plugins.auth.walk import PathPattern
from router.transports import GraphQLResponse

_NON_NULL = "Cannot return null for non-nullable field "


def matches(path: Sequence[Any], pattern: PathPattern) -> bool:
    """Whether a response path is an instance of a pattern (None: any list index)."""
    if len(path) != len(pattern):
        return False
    return all(
        isinstance(step, int) if expected is None else step == expected
        for step, expected in zip(path, pattern, strict=True)
    )


def _is_refusal_null(error: Any, suppressed: Sequence[PathPattern]) -> bool:
    if not isinstance(error, dict) or not str(error.get("message", "")).startswith(_NON_NULL):
        return False
    path = error.get("path")
    return isinstance(path, list) and any(matches(path, p) for p in suppressed)


def add_refusals(
    response: GraphQLResponse,
    refusals: Sequence[dict[str, Any]],
    suppressed: Sequence[PathPattern],
) -> GraphQLResponse:
    """`response` with the refusal errors first and their non-null echoes removed."""
    if "data" not in response:
        return response  # a request error (e.g. invalid variables): nothing was run
    others = [e for e in response.get("errors") or () if not _is_refusal_null(e, suppressed)]
    return {**response, "errors": [dict(e) for e in refusals] + others}
