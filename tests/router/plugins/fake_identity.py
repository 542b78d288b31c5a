"""A stand-in identity plugin for edge tests: the caller from test headers.

``x-test-user: <id>`` is a signed-in user, ``x-test-api-key: <id>`` an API key; nothing is
anonymous. It sets ``ctx.identity`` as the identity plugin does.
"""

from __future__ import annotations

from typing import Any

from router.pipeline import Pipeline, RequestContext, Stage
from shared.identity import CallerKind, Identity, Role


def identity_from_headers(ctx: RequestContext) -> Identity:
    """The test caller named by the request's headers."""
    if key := ctx.headers.get("x-test-api-key"):
        return Identity(kind=CallerKind.API_KEY, role=Role.USER, user_id="owner", api_key_id=key)
    if user := ctx.headers.get("x-test-user"):
        return Identity(kind=CallerKind.USER, role=Role.USER, user_id=user)
    return Identity.anonymous()


def install(pipeline: Pipeline, settings: dict[str, Any]) -> None:
    """Sets the caller at ROUTER_REQUEST, as the identity plugin does."""

    async def identify(ctx: RequestContext) -> None:
        ctx.identity = identity_from_headers(ctx)

    pipeline.hook(Stage.ROUTER_REQUEST, identify)


PLUGIN = "tests.router.plugins.fake_identity"
