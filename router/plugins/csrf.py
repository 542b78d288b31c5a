"""CSRF guard (Apollo's approach): no request a browser could send cross-site unpreflighted.

Config section ``plugins.csrf``::

    csrf:
      required_headers: [apollo-require-preflight, x-apollo-operation-name, x-mateway-csrf]

A browser sends a cross-site request without a CORS preflight only when it is "simple":
GET, or POST with content type ``text/plain``, ``application/x-www-form-urlencoded`` or
``multipart/form-data``, and no custom headers. Such a request runs only when it carries
a non-empty required header (which forces a preflight); a request with any other content
type (``application/json``) is preflighted already. So GET queries and multipart uploads
(a profile image) must send e.g. ``apollo-require-preflight: true``. Refusals are
CSRF_PREVENTED (400) before the document is even parsed. WebSocket subscriptions are
not HTTP requests of this kind and are not checked here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from router.pipeline import Pipeline, RequestContext, RequestError, Stage
from router.plugins._edge import load_settings

SIMPLE_CONTENT_TYPES = frozenset(
    {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data"}
)


class CsrfSettings(BaseModel):
    """The ``plugins.csrf`` section."""

    model_config = ConfigDict(extra="forbid")

    required_headers: list[str] = Field(
        default_factory=lambda: [
            "apollo-require-preflight",
            "x-apollo-operation-name",
            "x-mateway-csrf",
        ],
        min_length=1,
    )


def preflighted(headers: Mapping[str, str], required_headers: frozenset[str]) -> bool:
    """True when a browser must have preflighted this request (so CORS guarded it)."""
    if any(headers.get(name) for name in required_headers):
        return True
    content_type = headers.get("content-type")
    if content_type is None:
        return False
    media = content_type.partition(";")[0].strip().lower()
    return media not in SIMPLE_CONTENT_TYPES


def install(pipeline: Pipeline, settings: dict[str, Any]) -> None:
    """Refuses requests that could be simple cross-site requests, before parsing."""
    config = load_settings(CsrfSettings, "csrf", settings)
    required = frozenset(h.lower() for h in config.required_headers)
    listed = ", ".join(sorted(required))
    message = (
        "This operation has been blocked as a potential Cross-Site Request Forgery (CSRF). "
        "Send a 'content-type' header other than application/x-www-form-urlencoded, "
        f"multipart/form-data or text/plain, or a non-empty header among: {listed}."
    )

    async def guard(ctx: RequestContext) -> None:
        if "connection_params" in ctx.state:
            return  # a graphql-transport-ws operation, not a simple HTTP request
        if not preflighted(ctx.headers, required):
            raise RequestError(message, 400, code="CSRF_PREVENTED", well_formed=False)

    pipeline.hook(Stage.ROUTER_REQUEST, guard)
