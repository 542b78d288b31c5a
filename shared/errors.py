"""Typed errors with stable codes, and their translation into GraphQL errors.

Resolvers raise `MatewayError(code, message, **context)`; the `MatewayErrors` Strawberry
extension (or `format_graphql_error` in the router) turns it into a GraphQL error whose
`extensions.code` is the stable code. Anything unexpected is masked as INTERNAL.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from enum import StrEnum
from typing import Any

import strawberry.federation
from graphql import GraphQLError
from pydantic import ValidationError
from strawberry.extensions import ParserCache, SchemaExtension, ValidationCache
from strawberry.types import ExecutionContext

from shared.graphql_subscriptions import use_straight_subscriptions

logger = logging.getLogger("mateway.errors")

INTERNAL_MESSAGE = "Internal server error"
# Distinct subgraph documents kept parsed and validated per process (LRU).
_DOCUMENT_CACHE_SIZE = 1024


class ErrorCode(StrEnum):
    """Stable error codes clients may branch on; never rename a member."""

    BAD_USER_INPUT = "BAD_USER_INPUT"
    GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
    GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    CONFLICT = "CONFLICT"
    RATE_LIMITED = "RATE_LIMITED"
    INSUFFICIENT_CREDITS = "INSUFFICIENT_CREDITS"
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
    TIMEOUT = "TIMEOUT"
    UNAVAILABLE = "UNAVAILABLE"
    # Stored ciphertext failed authentication (tampered, moved to another row, or shredded).
    DATA_INTEGRITY = "DATA_INTEGRITY"
    INTERNAL = "INTERNAL"
    # Accounts: one-time codes (email, TOTP, backup) and attempt throttling.
    INVALID_CODE = "INVALID_CODE"
    CODE_EXPIRED = "CODE_EXPIRED"
    TOO_MANY_ATTEMPTS = "TOO_MANY_ATTEMPTS"
    # AI: no LLM provider is configured (no API key env var, no local server URL).
    AI_NOT_CONFIGURED = "AI_NOT_CONFIGURED"


class MatewayError(Exception):
    """An expected failure with a stable code; `context` is public and sent to the client."""

    def __init__(self, code: ErrorCode, message: str, **context: Any) -> None:
        super().__init__(message)
        self.code = ErrorCode(code)
        self.message = message
        self.context = context

    def extensions(self) -> dict[str, Any]:
        """The GraphQL `extensions` object for this error."""
        return {**self.context, "code": self.code.value}

    def __repr__(self) -> str:
        return f"MatewayError({self.code.value}, {self.message!r}, **{self.context!r})"


def validation_details(error: ValidationError) -> list[dict[str, Any]]:
    """Field-level details of a pydantic ValidationError, safe to show to a client."""
    return [
        {
            "field": ".".join(str(part) for part in item["loc"]),
            "message": item["msg"],
            "type": item["type"],
        }
        for item in error.errors(include_url=False, include_input=False)
    ]


def to_mateway_error(exc: BaseException) -> MatewayError | None:
    """Map a known exception to a MatewayError; None when it is unexpected."""
    if isinstance(exc, MatewayError):
        return exc
    if isinstance(exc, ValidationError):
        return MatewayError(
            ErrorCode.BAD_USER_INPUT, "Invalid input", fields=validation_details(exc)
        )
    return None


def _rebuild(error: GraphQLError, message: str, extensions: dict[str, Any]) -> GraphQLError:
    """Copy a GraphQL error with a new message and extensions, dropping the original exception."""
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None,
        extensions=extensions,
    )


def _code_of_plain_error(error: GraphQLError) -> ErrorCode:
    """The code of a GraphQLError raised without an exception behind it."""
    if error.path is not None:
        # Raised on purpose during execution (e.g. a Strawberry permission class) but
        # without a code: the message is meant for the client, the code cannot be guessed.
        return ErrorCode.INTERNAL
    if error.message.startswith("Syntax Error"):
        return ErrorCode.GRAPHQL_PARSE_FAILED
    return ErrorCode.GRAPHQL_VALIDATION_FAILED


def format_graphql_error(error: GraphQLError) -> GraphQLError:
    """Give a GraphQL error a stable `extensions.code`, masking unexpected exceptions."""
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        if error.extensions and "code" in error.extensions:
            return error  # already coded, e.g. relayed from a subgraph
        code = _code_of_plain_error(error)
        return _rebuild(error, error.message, {**(error.extensions or {}), "code": code.value})
    known = to_mateway_error(original)
    if known is not None:
        return _rebuild(error, known.message, known.extensions())
    # The stack trace goes to the server log only; the client sees a generic message.
    logger.error(
        "unexpected error in resolver",
        exc_info=(type(original), original, original.__traceback__),
        extra={"path": list(error.path or [])},
    )
    return _rebuild(error, INTERNAL_MESSAGE, {"code": ErrorCode.INTERNAL.value})


class MatewayErrors(SchemaExtension):
    """Strawberry extension that formats every error of an operation with stable codes."""

    def on_operation(self) -> Iterator[None]:
        """Rewrite the operation's errors after it has run."""
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if result is not None and errors:
            result.errors = [format_graphql_error(error) for error in errors]


def log_graphql_errors(errors: list[GraphQLError]) -> None:
    """Log an operation's expected errors briefly (unexpected ones are logged when masked)."""
    for error in errors:
        original = error.original_error
        if isinstance(original, GraphQLError):
            original = None  # a GraphQLError raised on purpose, e.g. by a permission class
        known = to_mateway_error(original) if original is not None else None
        if original is not None and known is None:
            continue  # format_graphql_error logs it with its stack trace
        code = known.code.value if known else (error.extensions or {}).get("code", "")
        logger.info(
            "graphql error: %s",
            error.message,
            extra={"code": code, "path": list(error.path or [])},
        )


class MatewaySchema(strawberry.federation.Schema):
    """A federation schema with stable error codes and quiet logging of expected errors."""

    def __init__(self, query: type | None = None, **kwargs: Any) -> None:
        extensions = list(kwargs.pop("extensions", ()))
        if MatewayErrors not in extensions:
            extensions.append(MatewayErrors)
        # The router sends each operation's subgraph query text again and again (and a
        # subscription once per start): parsing and validating it once saves ~1 ms a call.
        extensions += [lambda: ParserCache(maxsize=_DOCUMENT_CACHE_SIZE)]
        extensions += [lambda: ValidationCache(maxsize=_DOCUMENT_CACHE_SIZE)]
        use_straight_subscriptions()  # no two tasks per subscription event
        super().__init__(query, extensions=extensions, **kwargs)

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Replace Strawberry's default (every error at ERROR with a trace) with ours."""
        log_graphql_errors(errors)
