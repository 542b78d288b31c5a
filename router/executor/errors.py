"""GraphQL errors the executor sends to clients, and the codes it uses.

Codes (``extensions.code``) set by the router itself:

- ``SUBGRAPH_UNAVAILABLE``: a subgraph could not be reached or did not answer
  with JSON (connection refused, timeout, HTTP error page). The fields that
  fetch should have filled are null, with this error at each of their paths.
- ``SUBGRAPH_INVALID_RESPONSE``: a subgraph answered JSON that is not a
  GraphQL response the plan can use (e.g. ``_entities`` of the wrong length).
- ``INTERNAL_SERVER_ERROR``: an unexpected failure inside the router.
- ``BAD_USER_INPUT``: client variables that do not fit the operation.

Subgraph errors keep their message and ``extensions`` (``code`` included);
their ``locations`` refer to the subgraph operation and are dropped. Internal
details (exception text, subgraph names and URLs, subgraph stack traces) are
only included, under ``extensions``, when ``development`` is set.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

SUBGRAPH_UNAVAILABLE = "SUBGRAPH_UNAVAILABLE"
SUBGRAPH_INVALID_RESPONSE = "SUBGRAPH_INVALID_RESPONSE"
INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
BAD_USER_INPUT = "BAD_USER_INPUT"

ResponsePath = list[str | int]
GraphQLErrorDict = dict[str, Any]

# Subgraph extension keys that reveal implementation details.
_INTERNAL_EXTENSION_KEYS = frozenset({"exception", "stacktrace", "stackTrace", "trace"})

_PUBLIC_MESSAGES = {
    SUBGRAPH_UNAVAILABLE: "A service this request depends on is unavailable.",
    SUBGRAPH_INVALID_RESPONSE: "A service this request depends on sent an invalid response.",
    INTERNAL_SERVER_ERROR: "Internal server error.",
}


def router_error(
    code: str,
    path: Sequence[str | int] | None,
    *,
    development: bool,
    service: str | None = None,
    detail: str | None = None,
) -> GraphQLErrorDict:
    """An error raised by the router itself; details only in development mode."""
    extensions: dict[str, Any] = {"code": code}
    if development:
        if service is not None:
            extensions["serviceName"] = service
        if detail is not None:
            extensions["detail"] = detail
    error: GraphQLErrorDict = {"message": _PUBLIC_MESSAGES[code]}
    if path is not None:
        error["path"] = list(path)
    error["extensions"] = extensions
    return error


def subgraph_error(
    raw: Any, path: Sequence[str | int] | None, *, service: str, development: bool
) -> GraphQLErrorDict:
    """A subgraph's error as the client sees it, at the client ``path``."""
    if not isinstance(raw, dict):
        return router_error(
            SUBGRAPH_INVALID_RESPONSE,
            path,
            development=development,
            service=service,
            detail=f"error entry is not an object: {raw!r}"[:500],
        )
    message = raw.get("message")
    error: GraphQLErrorDict = {"message": message if isinstance(message, str) else "Error"}
    if path is not None:
        error["path"] = list(path)
    extensions = raw.get("extensions")
    if isinstance(extensions, dict) and extensions:
        if development:
            kept = dict(extensions)
        else:
            kept = {k: v for k, v in extensions.items() if k not in _INTERNAL_EXTENSION_KEYS}
        if kept:
            error["extensions"] = kept
    if development:
        error.setdefault("extensions", {})["serviceName"] = service
    return error


def non_null_error(coordinate: str, path: Sequence[str | int]) -> GraphQLErrorDict:
    """The spec's error for a null in a non-null position (graphql-js wording)."""
    return {
        "message": f"Cannot return null for non-nullable field {coordinate}.",
        "path": list(path),
    }


def path_is_covered(path: Sequence[str | int], errors: Iterable[GraphQLErrorDict]) -> bool:
    """True when an error was already reported at ``path`` or below it."""
    size = len(path)
    target = list(path)
    for error in errors:
        error_path = error.get("path")
        if isinstance(error_path, list) and error_path[:size] == target:
            return True
    return False
