"""One request's charges: reserved at PLAN_READY, settled or released when it ends."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import OperationDefinitionNode
from redis.exceptions import RedisError

from router.pipeline import Executor, Pipeline, PreparedOperation, RequestContext, RequestError
from router.plugins.auth.operation import VARIANT_KEY, Variant
from router.plugins.credits.costs import ChargedField, CostRules
from router.plugins.credits.retries import SettlementRetries
from router.transports import GraphQLResponse, SubgraphTransport
from shared.credits import Credits, Usage
from shared.credits.report import EXTENSION_KEY, REQUEST_ID_HEADER
from shared.errors import ErrorCode, MatewayError

STATE_KEY = "credits.charges"
_FIELDS_KEY = "credits.fields"
_log = logging.getLogger("router.plugins.credits")


@dataclass(slots=True)
class Charges:
    """The holds of one request and the usage its subgraphs reported."""

    user: str
    request_id: str
    holds: list[ChargedField]
    reported: dict[str, dict[str, Any]] = field(default_factory=dict)
    streamed: bool = False  # a subscription: failures come from its events
    failed: set[str] = field(default_factory=set)

    def hold_id(self, charged: ChargedField) -> str:
        """The ledger's request id of one charged field."""
        return f"{self.request_id}.{charged.response_key}"

    def take_report(self, extensions: Any) -> None:
        """Keeps the `extensions.credits` of a subgraph response (the latest report wins)."""
        if not isinstance(extensions, dict):
            return
        reports = extensions.get(EXTENSION_KEY)
        if isinstance(reports, dict):
            for key, report in reports.items():
                if isinstance(report, dict) and isinstance(report.get("used"), int):
                    self.reported[str(key)] = report

    def take_event(self, event: GraphQLResponse) -> None:
        """Keeps a subscription event's report and the root fields it says failed."""
        self.streamed = True
        self.take_report(event.get("extensions"))
        if event.get("errors"):  # without errors no key failed: skip building an empty set
            self.failed |= _error_keys(event)


class CreditGate:
    """Reserves before execution and settles after, for fields with @credits."""

    def __init__(
        self,
        pipeline: Pipeline,
        rules: CostRules,
        credits: Credits,
        retries: SettlementRetries | None = None,
    ) -> None:
        self.schema = pipeline.schema
        self.rules = rules
        self.credits = credits
        self.retries = retries

    def charged_fields(self, prepared: PreparedOperation) -> list[ChargedField]:
        """The charged root fields of the operation that will run (cached per operation)."""
        found = prepared.compiled.get(_FIELDS_KEY)
        if found is None:
            found = self.rules.charged(self.schema, prepared, _executed(prepared))
            prepared.compiled[_FIELDS_KEY] = found
        assert isinstance(found, list)
        return found

    async def reserve(self, ctx: RequestContext) -> None:
        """PLAN_READY: holds every charged field's cost, or ends the request unexecuted."""
        if ctx.prepared is None or ctx.response is not None:
            return
        fields = self.charged_fields(ctx.prepared)
        if not fields:
            return
        identity = ctx.identity
        if not identity.is_authenticated or identity.user_id is None:
            raise _refused(fields[0], "UNAUTHENTICATED", f"Sign in to use {fields[0].field_name}.")
        charges = Charges(identity.user_id, uuid.uuid4().hex, [])
        try:
            for charged in fields:
                await self.credits.reserve(charges.user, charges.hold_id(charged), charged.cost)
                charges.holds.append(charged)
        except (MatewayError, RedisError, OSError) as error:
            await self._release_all(charges)
            raise _reserve_failed(charged, error) from error
        ctx.state[STATE_KEY] = charges
        ctx.subgraph_headers[REQUEST_ID_HEADER] = charges.request_id

    async def settle(self, ctx: RequestContext) -> None:
        """RESPONSE / STREAM_END: settles reported or succeeded fields, releases failed ones."""
        charges = ctx.state.pop(STATE_KEY, None)
        if not isinstance(charges, Charges):
            return
        failed = charges.failed if charges.streamed else _failed_keys(ctx)
        for charged in charges.holds:
            hold = charges.hold_id(charged)
            usage = _usage(charges, charged, failed)
            if usage is None:
                await self._release(charges.user, hold)
                continue
            try:
                await self.credits.settle(charges.user, hold, usage)
            except Exception as error:  # one failed settlement must not stop the others
                if self.retries is None:
                    _log.exception("credits settlement failed", extra={"request_id": hold})
                    continue
                _log.warning(
                    "credits settlement failed, handed to the worker: %s (%r)",
                    hold,
                    error,
                    extra={"request_id": hold},
                )
                await self.retries.send(charges.user, hold, usage)

    async def _release(self, user: str, hold: str) -> None:
        try:
            await self.credits.release(user, hold)
        except Exception:  # nothing to retry: an unreleased hold expires with its TTL
            _log.exception("credits release failed", extra={"request_id": hold})

    async def _release_all(self, charges: Charges) -> None:
        for charged in charges.holds:
            try:
                await self.credits.release(charges.user, charges.hold_id(charged))
            except (RedisError, OSError):
                _log.warning("credits release failed; the reservation expires by itself")


class CreditsExecutor:
    """Runs the wrapped executor, keeping the subgraphs' `extensions.credits` reports."""

    def __init__(self, inner: Executor) -> None:
        self.inner = inner

    async def execute(
        self,
        prepared: PreparedOperation,
        variables: dict[str, Any] | None,
        transports: Mapping[str, SubgraphTransport],
        ctx: RequestContext,
    ) -> GraphQLResponse:
        """The wrapped executor's response; charged requests' subgraph reports kept."""
        charges = ctx.state.get(STATE_KEY)
        if isinstance(charges, Charges):
            transports = {n: _Reporting(t, charges) for n, t in transports.items()}
        return await self.inner.execute(prepared, variables, transports, ctx)

    async def execute_event(
        self,
        prepared: PreparedOperation,
        event: GraphQLResponse,
        variables: dict[str, Any] | None,
        transports: Mapping[str, SubgraphTransport],
        ctx: RequestContext,
    ) -> GraphQLResponse:
        """One subscription event; its report (the stream's running usage) kept."""
        charges = ctx.state.get(STATE_KEY)
        if isinstance(charges, Charges):
            charges.take_event(event)
        return await self.inner.execute_event(prepared, event, variables, transports, ctx)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class _Reporting:
    """A transport that hands each response's `extensions.credits` to the request's charges."""

    def __init__(self, inner: SubgraphTransport, charges: Charges) -> None:
        self.inner = inner
        self.charges = charges

    async def execute(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        operation_name: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> GraphQLResponse:
        response = await self.inner.execute(query, variables, operation_name, headers)
        if isinstance(response, dict):
            self.charges.take_report(response.get("extensions"))
        return response

    async def aclose(self) -> None:
        """Nothing to close: the wrapped transport belongs to the router, not this request."""

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def _executed(prepared: PreparedOperation) -> OperationDefinitionNode:
    """The operation as it runs: plugins.auth's filtered one when fields were refused."""
    variant = prepared.compiled.get(VARIANT_KEY)
    if isinstance(variant, Variant) and variant.document is not None:
        operation = variant.document.definitions[0]
        assert isinstance(operation, OperationDefinitionNode)
        return operation
    return prepared.operation


def _failed_keys(ctx: RequestContext) -> set[str]:
    """Root response keys with errors; '*' when the whole request failed (or never ran)."""
    if "request_error" in ctx.state or ctx.response is None:
        return {"*"}
    return _error_keys(ctx.response)


def _error_keys(response: GraphQLResponse) -> set[str]:
    failed: set[str] = set()
    for error in response.get("errors") or ():
        path = error.get("path") if isinstance(error, dict) else None
        failed.add(str(path[0]) if isinstance(path, list) and path else "*")
    if response.get("data") is None and response.get("errors"):
        failed.add("*")
    return failed


def _usage(charges: Charges, charged: ChargedField, failed: set[str]) -> Usage | None:
    """What to charge for a field: its report, else its cost; None to release it."""
    report = charges.reported.get(charged.response_key)
    is_failed = "*" in failed or charged.response_key in failed
    if report is None and is_failed:
        return None
    used = int(report["used"]) if report is not None else charged.cost
    tokens = report.get("tokens") if report is not None else None
    return Usage(
        used,
        tokens=_total_tokens(tokens),
        skill=charged.field_name,
        status="error" if is_failed else "ok",
    )


def _total_tokens(tokens: Any) -> int | None:
    if isinstance(tokens, int):
        return tokens
    if isinstance(tokens, dict):
        return sum(v for v in tokens.values() if isinstance(v, int)) or None
    return None


def _refused(charged: ChargedField, code: str, message: str) -> RequestError:
    error = {"message": message, "path": [charged.response_key], "extensions": {"code": code}}
    return RequestError(message, 200, errors=[error])


def _reserve_failed(charged: ChargedField, error: Exception) -> RequestError:
    if isinstance(error, MatewayError) and error.code is ErrorCode.INSUFFICIENT_CREDITS:
        refusal = _refused(charged, error.code.value, error.message)
        refusal.errors[0]["extensions"].update(error.context)
        return refusal
    if isinstance(error, MatewayError) and error.code is not ErrorCode.UNAVAILABLE:
        return _refused(charged, error.code.value, error.message)
    _log.error("credits reservation failed: %s", error)
    message = "Credits cannot be checked right now; try again shortly."
    refusal = RequestError(message, 503, code=ErrorCode.UNAVAILABLE.value)
    refusal.headers["Retry-After"] = "1"
    return refusal
