"""The subgraph side of identity: every /graphql call must carry a valid internal token.

``InternalTokenMiddleware`` (added by the app kit to every app) refuses a /graphql request or
WebSocket without a valid token signed by the router (401, GraphQL error UNAUTHENTICATED);
``/health`` and ``/metrics`` stay open. The verified ``Identity`` is put in the ASGI scope,
and ``IdentityGraphQL`` hands it to resolvers as ``info.context["identity"]``. In-process
(module:) and HTTP subgraphs go through the same middleware, so they behave the same; the
one exception, an in-process app's subscriptions, which the router runs on the schema
directly (router/subscriptions/direct.py), verifies the same token with the same keys.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from shared.auth.internal import InternalTokenVerifier
from shared.auth.keys import keys_from_settings
from shared.errors import ErrorCode, MatewayError
from shared.identity import INTERNAL_TOKEN_HEADER, Identity
from shared.settings import ServiceSettings

IDENTITY_SCOPE_KEY = "mateway.identity"
_HEADER = INTERNAL_TOKEN_HEADER.encode()


class InternalTokenMiddleware:
    """Verifies the router's internal token on the GraphQL path (HTTP and WebSocket)."""

    def __init__(
        self, app: ASGIApp, settings: ServiceSettings, paths: tuple[str, ...] = ("/graphql",)
    ) -> None:
        self.app = app
        self.settings = settings
        self.paths = paths
        self._verifier: InternalTokenVerifier | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or scope["path"] not in self.paths:
            await self.app(scope, receive, send)
            return
        try:
            scope[IDENTITY_SCOPE_KEY] = self._verify(_header(scope))
        except MatewayError as error:
            await _refuse(scope, receive, send, error)
            return
        await self.app(scope, receive, send)

    def _verify(self, token: str | None) -> Identity:
        if self._verifier is None:
            # Made on first use: importing an app (e.g. to compose) needs no key.
            self._verifier = InternalTokenVerifier(keys_from_settings(self.settings))
        if not token:
            raise MatewayError(
                ErrorCode.UNAUTHENTICATED,
                f"Subgraphs answer only the router: the {INTERNAL_TOKEN_HEADER} header is missing",
            )
        return self._verifier.verify(token)


def _header(scope: Scope) -> str | None:
    for key, value in scope["headers"]:
        if key == _HEADER:
            return str(value.decode("latin-1"))
    return None


async def _refuse(scope: Scope, receive: Receive, send: Send, error: MatewayError) -> None:
    """401 with a GraphQL error (503 when this service has no signing key); WebSockets: 4401."""
    if scope["type"] == "websocket":
        await receive()  # websocket.connect; closing before accepting denies the upgrade
        await send({"type": "websocket.close", "code": 4401, "reason": error.message[:120]})
        return
    status = 503 if error.code is ErrorCode.UNAVAILABLE else 401
    body = orjson.dumps({"errors": [{"message": error.message, "extensions": error.extensions()}]})
    response = Response(body, status_code=status, media_type="application/json")
    await response(scope, receive, send)


class IdentityGraphQL(GraphQL):
    """Strawberry's ASGI app with the verified caller in the context (``identity``)."""

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Any:
        """Strawberry's dict context plus ``identity`` (anonymous when none was verified)."""
        context: dict[str, Any] = {"request": request, "response": response}
        context["identity"] = request.scope.get(IDENTITY_SCOPE_KEY) or Identity.anonymous()
        return context
