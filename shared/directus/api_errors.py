"""Directus REST failures as typed MatewayErrors with stable codes.

Directus answers errors as `{"errors": [{"message": ..., "extensions": {"code": ...}}]}`.
Its code decides ours; the HTTP status is the fallback for bodies without one (a proxy's
HTML page, an empty 502). The Directus code, status and call stay on the exception for logs
and callers, but not in `context`, which a GraphQL client would see.
"""

from __future__ import annotations

from typing import Any

import httpx

from shared.errors import ErrorCode, MatewayError

# Directus 12 error codes (`@directus/errors`) and what they mean for a Mateway caller.
DIRECTUS_CODES: dict[str, ErrorCode] = {
    "FORBIDDEN": ErrorCode.FORBIDDEN,
    "INVALID_CREDENTIALS": ErrorCode.UNAUTHENTICATED,
    "INVALID_TOKEN": ErrorCode.UNAUTHENTICATED,
    "TOKEN_EXPIRED": ErrorCode.UNAUTHENTICATED,
    "USER_SUSPENDED": ErrorCode.UNAUTHENTICATED,
    "INVALID_OTP": ErrorCode.UNAUTHENTICATED,
    "RECORD_NOT_UNIQUE": ErrorCode.CONFLICT,
    "INVALID_PAYLOAD": ErrorCode.BAD_USER_INPUT,
    "INVALID_QUERY": ErrorCode.BAD_USER_INPUT,
    "CONTAINS_NULL_VALUES": ErrorCode.BAD_USER_INPUT,
    "NOT_NULL_VIOLATION": ErrorCode.BAD_USER_INPUT,
    "VALUE_OUT_OF_RANGE": ErrorCode.BAD_USER_INPUT,
    "VALUE_TOO_LONG": ErrorCode.BAD_USER_INPUT,
    "INVALID_FOREIGN_KEY": ErrorCode.BAD_USER_INPUT,
    "UNPROCESSABLE_CONTENT": ErrorCode.BAD_USER_INPUT,
    "UNSUPPORTED_MEDIA_TYPE": ErrorCode.BAD_USER_INPUT,
    "ILLEGAL_ASSET_TRANSFORMATION": ErrorCode.BAD_USER_INPUT,
    "RANGE_NOT_SATISFIABLE": ErrorCode.BAD_USER_INPUT,
    "METHOD_NOT_ALLOWED": ErrorCode.BAD_USER_INPUT,
    "ROUTE_NOT_FOUND": ErrorCode.NOT_FOUND,
    "CONTENT_TOO_LARGE": ErrorCode.PAYLOAD_TOO_LARGE,
    "REQUESTS_EXCEEDED": ErrorCode.RATE_LIMITED,
    "LIMIT_EXCEEDED": ErrorCode.RATE_LIMITED,
    "SERVICE_UNAVAILABLE": ErrorCode.UNAVAILABLE,
    "OUT_OF_DATE": ErrorCode.UNAVAILABLE,
    "INTERNAL": ErrorCode.INTERNAL,
}

STATUS_CODES: dict[int, ErrorCode] = {
    400: ErrorCode.BAD_USER_INPUT,
    401: ErrorCode.UNAUTHENTICATED,
    403: ErrorCode.FORBIDDEN,
    404: ErrorCode.NOT_FOUND,
    409: ErrorCode.CONFLICT,
    413: ErrorCode.PAYLOAD_TOO_LARGE,
    422: ErrorCode.BAD_USER_INPUT,
    429: ErrorCode.RATE_LIMITED,
    502: ErrorCode.UNAVAILABLE,
    503: ErrorCode.UNAVAILABLE,
    504: ErrorCode.TIMEOUT,
}


class DirectusApiError(MatewayError):
    """Directus refused or failed a call; `directus_code` is its own code, if it gave one."""

    def __init__(
        self,
        code: ErrorCode,
        message: str,
        *,
        call: str,
        status: int | None = None,
        directus_code: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(code, message)
        self.call = call
        self.status = status
        self.directus_code = directus_code
        self.details = details or {}

    def __str__(self) -> str:
        origin = self.directus_code or (self.status and f"HTTP {self.status}") or "no answer"
        return f"{self.call}: {origin}: {self.message}"


class DirectusUnavailable(DirectusApiError):
    """Directus could not be reached, or answered that it cannot serve now."""


class DirectusTimeout(DirectusUnavailable):
    """Directus did not answer within the call's timeout."""


def _first_error(response: httpx.Response) -> dict[str, Any]:
    """The first entry of a Directus error body, or {} when the body is not one."""
    try:
        body = response.json()
    except ValueError:
        return {}
    errors = body.get("errors") if isinstance(body, dict) else None
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        return errors[0]
    return {}


def error_from_response(call: str, response: httpx.Response) -> DirectusApiError:
    """The typed error for a Directus answer with status 400 or above."""
    first = _first_error(response)
    extensions = first.get("extensions")
    details = dict(extensions) if isinstance(extensions, dict) else {}
    directus_code = details.pop("code", None)
    directus_code = directus_code if isinstance(directus_code, str) else None
    code = DIRECTUS_CODES.get(directus_code or "") or STATUS_CODES.get(response.status_code)
    if code is None:
        code = ErrorCode.UNAVAILABLE if response.status_code >= 500 else ErrorCode.INTERNAL
    message = first.get("message")
    if not isinstance(message, str) or not message:
        message = f"Directus answered HTTP {response.status_code}"
    kind = DirectusUnavailable if code in (ErrorCode.UNAVAILABLE, ErrorCode.TIMEOUT) else None
    return (kind or DirectusApiError)(
        code,
        message,
        call=call,
        status=response.status_code,
        directus_code=directus_code,
        details=details,
    )


def error_from_transport(call: str, exc: httpx.HTTPError, timeout: float) -> DirectusApiError:
    """The typed error for a call that got no answer (refused, reset, timed out)."""
    if isinstance(exc, httpx.TimeoutException):
        return DirectusTimeout(
            ErrorCode.TIMEOUT, f"Directus did not answer within {timeout:g} s", call=call
        )
    return DirectusUnavailable(
        ErrorCode.UNAVAILABLE, f"Directus is unreachable ({type(exc).__name__})", call=call
    )
