"""Routers with edge plugins over the HTTP tests' Strawberry subgraphs."""

from __future__ import annotations

from typing import Any

from router.config import Mode, RouterConfig
from router.http.app import RouterApp
from tests.router.http.fixtures import make_router


def router_with(plugins: dict[str, dict[str, Any]], mode: Mode = "production") -> RouterApp:
    """The real router app (in-process subgraphs) with ``plugins`` configured."""
    return make_router(RouterConfig(mode=mode, plugins=plugins))


def error_code(body: dict[str, Any]) -> str | None:
    """The first error's ``extensions.code``."""
    errors = body.get("errors") or [{}]
    code: str | None = (errors[0].get("extensions") or {}).get("code")
    return code
