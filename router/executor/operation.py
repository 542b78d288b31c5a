"""The executor stage in one call: coerce variables, run the plan, answer introspection, shape.

``CompiledOperation`` is built once per operation (cached beside the plan, in
``pipeline.PreparedOperation.compiled``); ``RouterExecutor`` implements the
pipeline's ``Executor`` protocol with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import DocumentNode, GraphQLSchema, OperationDefinitionNode

from router.executor.data import PossibleTypes
from router.executor.errors import GraphQLErrorDict, subgraph_error
from router.executor.execute import ExecutionContext, FetchObserver, execute_node, execute_plan
from router.executor.inflight import InflightFetches
from router.executor.introspection import IntrospectionPart
from router.executor.shape import OperationShape
from router.executor.variables import VariableCoercer, VariablesError, possible_types_of
from router.pipeline import PreparedOperation, RequestContext
from router.planner.nodes import QueryPlan, SubscriptionNode
from router.transports import GraphQLResponse, SubgraphTransport

_COMPILED_KEY = "executor"
_EVENT_VARIABLES_KEY = "executor.variables"


class CompiledOperation:
    """Everything about one client operation that does not change between requests."""

    def __init__(
        self, schema: GraphQLSchema, document: DocumentNode, operation_name: str | None = None
    ) -> None:
        self.schema = schema
        self.shape = OperationShape(schema, document, operation_name)
        self.operation: OperationDefinitionNode = self.shape.operation
        self.introspection = IntrospectionPart(schema, document, operation_name)
        self._variables = VariableCoercer(schema, self.operation)

    def coerce_variables(self, raw: Any) -> dict[str, Any]:
        """The request's variables validated, with defaults; raises ``VariablesError``."""
        return self._variables.coerce(raw)

    def respond(
        self,
        data: dict[str, Any],
        errors: list[GraphQLErrorDict],
        variables: Mapping[str, Any],
        *,
        development: bool = False,
    ) -> dict[str, Any]:
        """The client response for merged ``data``: introspection added, shaped."""
        introspection = None
        if self.introspection.present:
            introspection, introspection_errors = self.introspection.resolve(variables)
            errors.extend(introspection_errors)
        shaped = self.shape.shape(data, errors, variables, introspection, development=development)
        response: dict[str, Any] = {"data": shaped}
        if errors:
            response["errors"] = errors
        return response


async def execute_operation(
    compiled: CompiledOperation,
    plan: QueryPlan,
    raw_variables: Any,
    transports: Mapping[str, SubgraphTransport],
    *,
    possible_types: PossibleTypes | None = None,
    headers: dict[str, str] | None = None,
    development: bool = False,
    on_fetch: FetchObserver | None = None,
    inflight: InflightFetches | None = None,
) -> dict[str, Any]:
    """The client response body (``data`` and ``errors``) for one request."""
    try:
        variables = compiled.coerce_variables(raw_variables)
    except VariablesError as invalid:
        return {"errors": invalid.errors}
    data, errors = await execute_plan(
        plan,
        variables,
        transports,
        possible_types=possible_types_of(compiled.schema)
        if possible_types is None
        else possible_types,
        headers=headers,
        development=development,
        on_fetch=on_fetch,
        inflight=inflight,
    )
    return compiled.respond(data, errors, variables, development=development)


class RouterExecutor:
    """The pipeline's ``Executor``: runs plans and shapes responses for one API schema."""

    def __init__(
        self,
        schema: GraphQLSchema,
        *,
        possible_types: PossibleTypes | None = None,
        development: bool = False,
        on_fetch: FetchObserver | None = None,
        dedupe_queries: bool = True,
    ) -> None:
        self.schema = schema
        # Identical query fetches in flight at once share one subgraph call (never mutations).
        self.inflight = InflightFetches() if dedupe_queries else None
        self.possible_types = (
            possible_types_of(schema) if possible_types is None else possible_types
        )
        self.development = development
        self.on_fetch = on_fetch

    def compiled(self, prepared: PreparedOperation) -> CompiledOperation:
        """The operation's compiled shape and introspection, made on first use."""
        compiled = prepared.compiled.get(_COMPILED_KEY)
        if compiled is None:
            name = prepared.operation.name.value if prepared.operation.name else None
            compiled = CompiledOperation(self.schema, prepared.document, name)
            prepared.compiled[_COMPILED_KEY] = compiled
        assert isinstance(compiled, CompiledOperation)
        return compiled

    async def execute(
        self,
        prepared: PreparedOperation,
        variables: dict[str, Any] | None,
        transports: Mapping[str, SubgraphTransport],
        ctx: RequestContext,
    ) -> GraphQLResponse:
        """Runs the prepared plan and returns the client response."""
        assert prepared.plan is not None
        return await execute_operation(
            self.compiled(prepared),
            prepared.plan,
            variables,
            transports,
            possible_types=self.possible_types,
            headers=ctx.subgraph_headers or None,
            development=self.development,
            on_fetch=self.on_fetch,
            inflight=self.inflight,
        )

    async def execute_event(
        self,
        prepared: PreparedOperation,
        event: GraphQLResponse,
        variables: dict[str, Any] | None,
        transports: Mapping[str, SubgraphTransport],
        ctx: RequestContext,
    ) -> GraphQLResponse:
        """Resolves one subscription event: runs the plan's ``rest`` on it and shapes it."""
        compiled = self.compiled(prepared)
        coerced = ctx.state.get(_EVENT_VARIABLES_KEY)
        if coerced is None:
            try:
                coerced = compiled.coerce_variables(variables)
            except VariablesError as invalid:
                return {"errors": invalid.errors}
            ctx.state[_EVENT_VARIABLES_KEY] = coerced
        node = prepared.plan.node if prepared.plan is not None else None
        raw_errors = event.get("errors")
        errors = self._event_errors(node, raw_errors) if raw_errors else []
        data = event.get("data")
        if type(data) is not dict:
            return {"data": None, "errors": errors} if errors else {"data": None}
        if not isinstance(node, SubscriptionNode) or node.rest is None:
            # Nearly every event: nothing to fetch, so no execution context, only the shape.
            return compiled.respond(data, errors, coerced, development=self.development)
        context = ExecutionContext(
            coerced,
            transports,
            possible_types=self.possible_types,
            headers=ctx.subgraph_headers or None,
            development=self.development,
            on_fetch=self.on_fetch,
            errors=errors,
            inflight=self.inflight,
        )
        await execute_node(node.rest, data, context)
        return compiled.respond(data, context.errors, coerced, development=self.development)

    def _event_errors(self, node: object, raw_errors: Any) -> list[GraphQLErrorDict]:
        """A subscription event's errors as the router reports a subgraph's errors."""
        service = node.primary.service_name if isinstance(node, SubscriptionNode) else "subgraph"
        return [
            subgraph_error(
                raw,
                raw.get("path") if isinstance(raw, dict) else None,
                service=service,
                development=self.development,
            )
            for raw in raw_errors
        ]
