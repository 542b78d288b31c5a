"""CORS allowlist and web-only operations.

Config section ``plugins.cors``::

    cors:
      allow_origins: [https://chat.example.com]   # exact origins; ["*"] only without credentials
      allow_credentials: true
      allow_methods: [GET, POST]
      allow_headers: [content-type, authorization, apollo-require-preflight, x-mateway-csrf]
      expose_headers: [retry-after]
      max_age_seconds: 600
      web_only_operations: [signup, login, refresh]   # root fields
      web_only_origins: null                          # default: allow_origins

Preflights (``OPTIONS`` with ``Access-Control-Request-Method``) are answered at the HTTP
level, before the pipeline: 204 with the allowed methods and headers for an allowed
origin, 403 otherwise. Other answers carry ``Access-Control-Allow-Origin`` (and
``-Credentials``) only for allowed origins. An operation selecting a web-only root field
runs only when its ``Origin`` is a web-only origin and the caller is not an API key;
otherwise FORBIDDEN_ORIGIN (403). Origin is a browser's promise, not proof: web-only
keeps bots on API keys away from account operations, it does not stop a forged header.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from router.pipeline import Pipeline, RequestContext, RequestError, Stage
from router.plugins._edge import identity_of, load_settings, root_fields
from shared.identity import CallerKind

_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?$")


class CorsSettings(BaseModel):
    """The ``plugins.cors`` section."""

    model_config = ConfigDict(extra="forbid")

    allow_origins: list[str] = Field(default_factory=list)
    allow_credentials: bool = True
    allow_methods: list[str] = Field(default_factory=lambda: ["GET", "POST"])
    allow_headers: list[str] = Field(
        default_factory=lambda: [
            "content-type",
            "authorization",
            "apollo-require-preflight",
            "x-apollo-operation-name",
            "x-mateway-csrf",
        ]
    )
    expose_headers: list[str] = Field(default_factory=lambda: ["retry-after"])
    max_age_seconds: int = Field(default=600, ge=0)
    web_only_operations: list[str] = Field(default_factory=list)
    web_only_origins: list[str] | None = None

    @field_validator("allow_origins", "web_only_origins")
    @classmethod
    def _exact_origins(cls, origins: list[str] | None) -> list[str] | None:
        for origin in origins or ():
            if origin != "*" and not _ORIGIN.match(origin):
                raise ValueError(f"'{origin}' is not an origin like https://app.example.com")
        return origins

    @model_validator(mode="after")
    def _no_wildcard_with_credentials(self) -> CorsSettings:
        if "*" in self.allow_origins and self.allow_credentials:
            raise ValueError("allow_origins '*' cannot be used with allow_credentials: true")
        if "*" in (self.web_only_origins or ()):
            raise ValueError("web_only_origins must list exact origins, not '*'")
        return self


class CorsFilter:
    """The HTTP-level part: preflight answers and CORS headers on every response."""

    def __init__(self, config: CorsSettings) -> None:
        self.config = config
        self.origins = frozenset(config.allow_origins)
        self.any_origin = "*" in self.origins

    def allowed(self, origin: str | None) -> bool:
        """True when ``origin`` may read answers."""
        return origin is not None and (self.any_origin or origin in self.origins)

    def answer(
        self, method: str, path: str, headers: Mapping[str, str]
    ) -> tuple[int, dict[str, str]] | None:
        """A preflight's answer (204 or 403); None for every other request."""
        if method != "OPTIONS" or "access-control-request-method" not in headers:
            return None
        origin = headers.get("origin")
        if not self.allowed(origin):
            return 403, {"vary": "Origin"}
        answer = self.response_headers(method, path, headers)
        answer["access-control-allow-methods"] = ", ".join(self.config.allow_methods)
        answer["access-control-allow-headers"] = ", ".join(self.config.allow_headers)
        answer["access-control-max-age"] = str(self.config.max_age_seconds)
        return 204, answer

    def response_headers(
        self, method: str, path: str, headers: Mapping[str, str]
    ) -> dict[str, str]:
        """``Access-Control-Allow-*`` for an allowed origin; only ``Vary`` otherwise."""
        origin = headers.get("origin")
        if not self.allowed(origin):
            return {"vary": "Origin"}
        assert origin is not None
        added = {"access-control-allow-origin": "*" if self.any_origin else origin}
        if not self.any_origin:
            added["vary"] = "Origin"
        if self.config.allow_credentials:
            added["access-control-allow-credentials"] = "true"
        if self.config.expose_headers:
            added["access-control-expose-headers"] = ", ".join(self.config.expose_headers)
        return added


def forbidden_origin(message: str) -> RequestError:
    """FORBIDDEN_ORIGIN (403)."""
    return RequestError(message, 403, code="FORBIDDEN_ORIGIN")


def install(pipeline: Pipeline, settings: dict[str, Any]) -> None:
    """Adds the HTTP filter and, when configured, the web-only operations check."""
    config = load_settings(CorsSettings, "cors", settings)
    pipeline.http_filters.append(CorsFilter(config))
    web_only = frozenset(config.web_only_operations)
    if not web_only:
        return
    web_origins = frozenset(
        config.web_only_origins
        if config.web_only_origins is not None
        else [o for o in config.allow_origins if o != "*"]
    )

    async def web_only_operations(ctx: RequestContext) -> None:
        assert ctx.prepared is not None
        fields = web_only.intersection(root_fields(ctx.prepared))
        if not fields:
            return
        names = ", ".join(sorted(fields))
        if identity_of(ctx).kind is CallerKind.API_KEY:
            raise forbidden_origin(f"{names} cannot be used with an API key")
        if ctx.headers.get("origin") not in web_origins:
            raise forbidden_origin(f"{names} may only be used from the web app")

    pipeline.hook(Stage.OPERATION_VALIDATED, web_only_operations)
