"""GraphQL over HTTP: reading requests and choosing media types and status codes.

Follows the GraphQL-over-HTTP spec: ``application/graphql-response+json`` answers
request errors (parse, validation, operation choice) with 400, while legacy
``application/json`` answers every well-formed request with 200. Malformed
requests (bad JSON, no query) are 400 either way.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import orjson

from router.pipeline import GraphQLRequest, RequestError

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"
EVENT_STREAM = "text/event-stream"
HTML = "text/html"

_SUPPORTED = (GRAPHQL_RESPONSE_JSON, JSON, EVENT_STREAM, HTML)


def negotiate(accept: str | None) -> str | None:
    """The media type to answer with, or None when nothing acceptable is supported.

    No Accept header means legacy JSON; ``*/*`` and ``application/*`` pick
    ``application/json`` too, so curl-like clients keep 200 statuses.
    """
    if not accept:
        return JSON
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept.split(",")):
        media, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            ranked.append((-quality, index, media.strip().lower()))
    for _, _, media in sorted(ranked):
        if media in _SUPPORTED:
            return media
        if media in ("*/*", "application/*"):
            return JSON
    return None


def response_status(error: RequestError | None, media_type: str) -> int:
    """The HTTP status of a response, given the request error that ended it (if any)."""
    if error is None:
        return 200
    if error.well_formed and error.status == 400 and media_type == JSON:
        return 200
    return error.status


def request_from_body(body: bytes, content_type: str) -> GraphQLRequest:
    """The GraphQL request in a POST body (JSON only)."""
    media = content_type.partition(";")[0].strip().lower()
    if media != JSON and not media.endswith("+json"):
        raise RequestError(
            f"Unsupported content type '{media or 'none'}'; send application/json",
            415,
            well_formed=False,
        )
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise RequestError("The request body is not valid JSON", 400, well_formed=False) from None
    if not isinstance(payload, dict):
        raise RequestError("The request body must be a JSON object", 400, well_formed=False)
    return _request_from_mapping(payload, decode_json=False)


def request_from_query_string(query_string: bytes) -> GraphQLRequest:
    """The GraphQL request in a GET query string."""
    params = dict(parse_qsl(query_string.decode("latin-1"), keep_blank_values=True))
    return _request_from_mapping(params, decode_json=True)


def request_from_mapping(payload: dict[str, Any]) -> GraphQLRequest:
    """The GraphQL request in a decoded JSON object (e.g. a multipart request's operations)."""
    return _request_from_mapping(payload, decode_json=False)


def _request_from_mapping(payload: dict[str, Any], decode_json: bool) -> GraphQLRequest:
    query = payload.get("query")
    operation_name = payload.get("operationName") or None
    if operation_name is not None and not isinstance(operation_name, str):
        raise RequestError("operationName must be a string", 400, well_formed=False)
    variables = _object_parameter(payload, "variables", decode_json)
    extensions = _object_parameter(payload, "extensions", decode_json)
    document_id = payload.get("documentId") or None
    if document_id is not None and not isinstance(document_id, str):
        raise RequestError("documentId must be a string", 400, well_formed=False)
    persisted = document_id is not None or "persistedQuery" in (extensions or {})
    if query is None and persisted:
        # A persisted document: the persisted_documents plugin supplies the query (the
        # pipeline still answers "Must provide a query string" when nothing does).
        return GraphQLRequest(None, operation_name, variables, extensions, document_id)
    if not isinstance(query, str) or not query.strip():
        raise RequestError("Must provide a query string", 400, well_formed=False)
    return GraphQLRequest(query, operation_name, variables, extensions, document_id)


def _object_parameter(payload: dict[str, Any], name: str, decode_json: bool) -> Any:
    """``variables`` or ``extensions``: a JSON object (a JSON string in a query string)."""
    value = payload.get(name)
    if decode_json and isinstance(value, str):
        if not value:
            return None
        try:
            value = orjson.loads(value)
        except orjson.JSONDecodeError:
            raise RequestError(f"{name} is not valid JSON", 400, well_formed=False) from None
    if value is not None and not isinstance(value, dict):
        raise RequestError(f"{name} must be a JSON object", 400, well_formed=False)
    return value
