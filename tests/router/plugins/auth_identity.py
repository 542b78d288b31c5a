"""A stand-in identity plugin for the auth tests: any caller, named in one test header.

``x-test-identity``: ``user:<id>``, ``admin:<id>``, ``key:<id>:<scope>,<scope>`` (an API key
of a user, holding those scopes) or nothing (anonymous).
"""

from __future__ import annotations

from typing import Any

from router.pipeline import Pipeline, RequestContext, Stage
from shared.identity import CallerKind, Identity, Role

HEADER = "x-test-identity"
PLUGIN = "tests.router.plugins.auth_identity"


def parse_identity(text: str) -> Identity:
    """The identity a header value names (anonymous for an empty value)."""
    kind, _, rest = text.partition(":")
    if kind == "user":
        return Identity(kind=CallerKind.USER, role=Role.USER, user_id=rest)
    if kind == "admin":
        return Identity(kind=CallerKind.USER, role=Role.ADMIN, user_id=rest)
    if kind == "key":
        key_id, _, scopes = rest.partition(":")
        return Identity(
            kind=CallerKind.API_KEY,
            role=Role.USER,
            user_id=f"owner-of-{key_id}",
            api_key_id=key_id,
            scopes=frozenset(s for s in scopes.split(",") if s),
        )
    return Identity.anonymous()


def install(pipeline: Pipeline, settings: dict[str, Any]) -> None:
    """Sets ``ctx.identity`` at ROUTER_REQUEST, as plugins.identity does.

    With ``internal_token: true`` subgraph calls carry the identity's internal token
    (signed with the test session's key), for subgraphs built with the app kit.
    """
    sign = bool(settings.get("internal_token"))

    async def identify(ctx: RequestContext) -> None:
        ctx.identity = parse_identity(ctx.headers.get(HEADER, ""))
        if sign:
            from tests.support.identity import internal_headers

            ctx.subgraph_headers.update(internal_headers(ctx.identity))

    pipeline.hook(Stage.ROUTER_REQUEST, identify)
