"""One client subscription: plan once, subscribe upstream, resolve and shape each event.

The plan's ``SubscriptionNode.primary`` is sent to the owning subgraph over
graphql-transport-ws; for every event the executor runs ``rest`` (entity fetches
to other subgraphs) on the event's data and shapes the client payload. Closing
the returned iterator closes the subgraph subscription.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Mapping

from router.pipeline import Pipeline, RequestContext, RequestError, Stage
from router.planner.nodes import SubscriptionNode
from router.subscriptions import upstream
from router.subscriptions.direct import DirectSubscriber
from router.subscriptions.sockets import SocketConnector
from router.transports import SUBGRAPH_UNAVAILABLE, GraphQLResponse, SubgraphError

_UNAVAILABLE_MESSAGE = "A service this request depends on is unavailable."
# How the router reaches a subgraph's subscriptions: a WebSocket, or an in-process app's
# schema directly (router/subscriptions/direct.py).
Connector = SocketConnector | DirectSubscriber


class SubscriptionEngine:
    """Runs operations for streaming clients (WebSocket and SSE)."""

    def __init__(
        self,
        pipeline: Pipeline,
        connectors: Mapping[str, Connector],
        ack_timeout: float = 10.0,
    ) -> None:
        self.pipeline = pipeline
        self.connectors = connectors
        self.ack_timeout = ack_timeout

    async def prepare(self, ctx: RequestContext) -> RequestContext:
        """Runs the stages up to the plan; request errors are raised as ``RequestError``."""
        await self.pipeline.prepare(ctx)
        return ctx

    async def stream(self, ctx: RequestContext) -> AsyncGenerator[GraphQLResponse, None]:
        """The payloads for a prepared request: one for queries, one per event otherwise.

        Stage.STREAM_END runs when the stream ends, however it ends (the client leaving
        included), so plugins settle what PLAN_READY reserved.
        """
        payloads = self._payloads(ctx)
        try:
            async for payload in payloads:
                yield payload
        finally:
            try:
                await payloads.aclose()  # closes the subgraph subscription first
            finally:
                # Shielded: a client that leaves cancels the stream, not the clean-up.
                await asyncio.shield(self.pipeline.run_stage(Stage.STREAM_END, ctx))

    async def _payloads(self, ctx: RequestContext) -> AsyncGenerator[GraphQLResponse, None]:
        prepared = ctx.prepared
        if ctx.response is not None or prepared is None:
            if ctx.response is not None:
                yield ctx.response
            return
        if prepared.kind != "subscription":
            await self.pipeline.run_execution(ctx)
            assert ctx.response is not None
            yield ctx.response
            return
        async for payload in self._events(ctx):
            yield payload

    async def _events(self, ctx: RequestContext) -> AsyncGenerator[GraphQLResponse, None]:
        prepared = ctx.prepared
        assert prepared is not None and prepared.plan is not None
        node = prepared.plan.node
        if not isinstance(node, SubscriptionNode):
            raise RequestError("The subscription has no subgraph to subscribe to", 400)
        primary = node.primary
        connector = self.connectors.get(primary.service_name)
        if connector is None:
            raise RequestError(f"No subscription endpoint for '{primary.service_name}'", 500)
        variables = ctx.request.variables or {}
        forwarded = {name: variables[name] for name in primary.variable_usages if name in variables}
        if isinstance(connector, DirectSubscriber):
            events = connector.subscribe(
                primary.service_name,
                primary.operation,
                forwarded,
                primary.operation_name,
                ctx.subgraph_headers,
            )
        else:
            events = upstream.subscribe(
                primary.service_name,
                connector,
                primary.operation,
                forwarded,
                primary.operation_name,
                headers=ctx.subgraph_headers,
                ack_timeout=self.ack_timeout,
            )
        executor = self.pipeline.executor
        transports = self.pipeline.transports
        try:
            async for event in events:
                yield await executor.execute_event(prepared, event, variables, transports, ctx)
        except SubgraphError as error:
            # The stream ends with this error rather than hanging on a dead subgraph.
            yield {"errors": [self._error(error)]}
        finally:
            await events.aclose()

    def _error(self, error: SubgraphError) -> dict[str, object]:
        extensions: dict[str, object] = {"code": error.code or SUBGRAPH_UNAVAILABLE}
        if self.pipeline.development:
            extensions["serviceName"] = error.service_name
            extensions["detail"] = error.message
        return {"message": _UNAVAILABLE_MESSAGE, "extensions": extensions}
