"""Subscriptions of in-process kit apps run on their schema directly, without a WebSocket.

An in-process app's subscription used to be a graphql-transport-ws session over two queues:
a handshake per subscription, and for every event Strawberry's protocol handler, JSON out,
JSON back in and two task hops. Here the router calls the app's schema `subscribe` and takes
each ExecutionResult as the payload the handler would have sent. The app's checks stay: the
internal token is verified with the app's own keys, and resolvers get the same context
(`request` with the headers, `identity`).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

from starlette.requests import HTTPConnection
from strawberry.types import ExecutionResult

from router.transports import SUBGRAPH_UNAVAILABLE, GraphQLResponse, SubgraphError
from shared.apps.factory import AppBundle
from shared.auth.internal import InternalTokenVerifier
from shared.auth.keys import keys_from_settings
from shared.errors import MatewayError
from shared.identity import INTERNAL_TOKEN_HEADER


class DirectSubscriber:
    """Runs subscriptions on one in-process app's schema."""

    def __init__(self, bundle: AppBundle, path: str = "/graphql") -> None:
        self.bundle = bundle
        self.path = path
        self._verifier: InternalTokenVerifier | None = None

    async def subscribe(
        self,
        service_name: str,
        query: str,
        variables: dict[str, Any] | None,
        operation_name: str | None,
        headers: dict[str, str],
    ) -> AsyncGenerator[GraphQLResponse, None]:
        """The payload of each event, as the app's WebSocket handler would send it (an
        operation refused before it ran yields one payload of errors without data)."""
        context = self._context(service_name, headers)
        results = await self.bundle.schema.subscribe(
            query, variable_values=variables, context_value=context, operation_name=operation_name
        )
        try:
            async for result in results:
                yield _payload(result)
        finally:
            await results.aclose()

    def _context(self, service_name: str, headers: dict[str, str]) -> dict[str, Any]:
        token = next((v for k, v in headers.items() if k.lower() == INTERNAL_TOKEN_HEADER), None)
        if self._verifier is None:
            self._verifier = InternalTokenVerifier(keys_from_settings(self.bundle.settings))
        try:
            if not token:
                raise SubgraphError(service_name, SUBGRAPH_UNAVAILABLE, "no internal token")
            identity = self._verifier.verify(token)
        except MatewayError as error:
            raise SubgraphError(service_name, SUBGRAPH_UNAVAILABLE, error.message) from error
        scope = {
            "type": "websocket",
            "path": self.path,
            "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
            "query_string": b"",
            "client": ("127.0.0.1", 0),
        }
        connection = HTTPConnection(scope)
        return {"request": connection, "response": connection, "identity": identity}


def _payload(result: ExecutionResult) -> GraphQLResponse:
    payload: GraphQLResponse = {"data": result.data}
    if result.errors:
        payload["errors"] = [error.formatted for error in result.errors]
    if result.extensions:
        payload["extensions"] = result.extensions
    return payload
