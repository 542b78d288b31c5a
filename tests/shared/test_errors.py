"""MatewayError and friends become GraphQL errors with stable `extensions.code`."""

from __future__ import annotations

import logging
from typing import Any

import pytest
import strawberry
from graphql import GraphQLError
from pydantic import BaseModel, Field
from strawberry.permission import BasePermission

from shared.errors import (
    INTERNAL_MESSAGE,
    ErrorCode,
    MatewayError,
    MatewayErrors,
    MatewaySchema,
    format_graphql_error,
)


class ChatInput(BaseModel):
    title: str = Field(min_length=1)
    mate_ids: list[int]


class AdminsOnly(BasePermission):
    message = "Admins only"
    error_extensions = {"code": "FORBIDDEN"}

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return False


class Nobody(BasePermission):
    message = "Nobody may"

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return False


@strawberry.type
class Query:
    @strawberry.field(permission_classes=[AdminsOnly])
    def admin(self) -> str:
        return "secret"

    @strawberry.field(permission_classes=[Nobody])
    def uncoded(self) -> str:
        return "secret"

    @strawberry.field
    def limited(self) -> str:
        raise MatewayError(ErrorCode.RATE_LIMITED, "Too many requests", retryAfter=3)

    @strawberry.field
    def create(self, title: str) -> str:
        ChatInput.model_validate({"title": title, "mate_ids": ["x"]})
        return "unreachable"

    @strawberry.field
    def crash(self) -> str:
        raise RuntimeError("db password is hunter2")

    @strawberry.field
    def fine(self) -> str:
        return "ok"


schema = strawberry.Schema(query=Query, extensions=[MatewayErrors])


async def run(query: str) -> tuple[Any, list[dict[str, Any]]]:
    result = await schema.execute(query)
    return result.data, [error.formatted for error in result.errors or []]


async def test_mateway_error_keeps_message_and_code_and_context() -> None:
    data, (error,) = await run("{ limited fine }")
    assert data is None  # non-null field error nulls the whole query
    assert error["message"] == "Too many requests"
    assert error["extensions"] == {"code": "RATE_LIMITED", "retryAfter": 3}
    assert error["path"] == ["limited"]


async def test_validation_error_becomes_bad_user_input_with_field_details() -> None:
    _, (error,) = await run('{ create(title: "") }')
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    fields = {item["field"]: item for item in error["extensions"]["fields"]}
    assert set(fields) == {"title", "mate_ids.0"}
    assert fields["title"]["type"] == "string_too_short"
    assert "input" not in fields["title"]


async def test_unexpected_exception_is_masked_as_internal(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR, logger="mateway.errors"):
        _, (error,) = await run("{ crash }")
    assert error["message"] == INTERNAL_MESSAGE
    assert error["extensions"] == {"code": "INTERNAL"}
    assert "hunter2" not in str(error)
    assert "Traceback" not in str(error)
    # The details stay on the server side.
    record = next(r for r in caplog.records if r.name == "mateway.errors")
    assert record.exc_info is not None and "hunter2" in str(record.exc_info[1])


async def test_syntax_error_is_coded_parse_failed() -> None:
    _, (error,) = await run("{ fine")
    assert error["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"


async def test_unknown_field_is_coded_validation_failed() -> None:
    _, (error,) = await run("{ nope }")
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "nope" in error["message"]


async def test_permission_error_keeps_its_code_and_message() -> None:
    _, (error,) = await run("{ admin }")
    assert error["message"] == "Admins only"
    assert error["extensions"] == {"code": "FORBIDDEN"}


async def test_uncoded_execution_error_keeps_its_message_and_is_coded_internal() -> None:
    _, (error,) = await run("{ uncoded }")
    assert error["message"] == "Nobody may"
    assert error["extensions"] == {"code": "INTERNAL"}
    assert error["path"] == ["uncoded"]


def test_error_already_carrying_a_code_is_left_alone() -> None:
    relayed = GraphQLError("Forbidden", extensions={"code": "FORBIDDEN", "service": "core"})
    assert format_graphql_error(relayed) is relayed


def test_codes_are_stable_strings() -> None:
    assert ErrorCode("INSUFFICIENT_CREDITS") is ErrorCode.INSUFFICIENT_CREDITS
    error = MatewayError(ErrorCode.NOT_FOUND, "No such chat", chatId="c1")
    assert error.extensions() == {"chatId": "c1", "code": "NOT_FOUND"}
    assert str(error) == "No such chat"


federated = MatewaySchema(query=Query)


async def test_kit_schema_codes_errors_and_logs_expected_ones_without_traces(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO):
        result = await federated.execute("{ limited }")
    assert result.errors is not None
    assert result.errors[0].formatted["extensions"]["code"] == "RATE_LIMITED"
    (record,) = [r for r in caplog.records if r.levelno >= logging.INFO]
    assert record.levelno == logging.INFO
    assert record.exc_info is None
    assert record.__dict__["code"] == "RATE_LIMITED"


async def test_kit_schema_logs_an_unexpected_error_once_with_its_trace(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO):
        result = await federated.execute("{ crash }")
    assert result.errors is not None
    assert result.errors[0].formatted["extensions"] == {"code": "INTERNAL"}
    (record,) = [r for r in caplog.records if r.levelno >= logging.INFO]
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None


async def test_kit_schema_logs_a_permission_error_briefly(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        await federated.execute("{ admin }")
    (record,) = [r for r in caplog.records if r.levelno >= logging.INFO]
    assert (record.levelno, record.__dict__["code"]) == (logging.INFO, "FORBIDDEN")
