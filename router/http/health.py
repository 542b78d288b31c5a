"""``/health``: every subgraph, each asked a cheap ``{ __typename }``, and the dependencies.

Dependencies (Redis, a Celery worker, Directus, ...) are named checks from ``shared.health``,
given to the app at build or loaded from ``health_checks`` in the router config: a list of
``module:function`` factories, each returning a mapping of name to check.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Iterable, Mapping
from typing import Any

from router.transports import SubgraphError, SubgraphTransport
from shared.auth.internal import service_headers
from shared.health import HealthCheck, HealthChecker

_PROBE = "query HealthProbe { __typename }"


async def probe(
    name: str,
    transport: SubgraphTransport,
    wait_seconds: float,
    headers: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The status of one subgraph: up, or down with the reason."""
    try:
        async with asyncio.timeout(wait_seconds):
            result = await transport.execute(
                _PROBE, operation_name="HealthProbe", headers=dict(headers or {})
            )
    except TimeoutError:
        return {"status": "down", "error": f"no answer within {wait_seconds:g}s"}
    except SubgraphError as error:
        return {"status": "down", "error": error.message}
    except Exception as error:  # a broken transport must not break /health itself
        return {"status": "down", "error": f"{type(error).__name__}: {error}"}
    if result.get("errors") or not isinstance(result.get("data"), dict):
        return {"status": "down", "error": "answered { __typename } with errors"}
    return {"status": "up"}


def load_dependency_checks(factories: Iterable[str]) -> dict[str, HealthCheck]:
    """The named checks of every ``module:function`` factory, in order (later names win)."""
    checks: dict[str, HealthCheck] = {}
    for spec in factories:
        module_name, sep, function_name = spec.partition(":")
        if not sep or not module_name or not function_name:
            raise ValueError(f"health check factory must be 'module:function', got {spec!r}")
        factory = getattr(importlib.import_module(module_name), function_name)
        checks.update(factory())
    return checks


async def check_health(
    transports: Mapping[str, SubgraphTransport],
    wait_seconds: float,
    dependencies: Mapping[str, HealthCheck] | None = None,
) -> tuple[int, dict[str, Any]]:
    """The HTTP status (200, or 503 when a subgraph or dependency is down) and the body."""
    names = list(transports)
    # Subgraphs answer only the router's internal token: the probe carries the SERVICE one.
    headers = service_headers()
    checker = HealthChecker("router", dependencies, timeout=wait_seconds)
    results, report = await asyncio.gather(
        asyncio.gather(*(probe(n, transports[n], wait_seconds, headers) for n in names)),
        checker.run(),
    )
    subgraphs = dict(zip(names, results, strict=True))
    down = [name for name, result in subgraphs.items() if result["status"] != "up"]
    body: dict[str, Any] = {"status": "down" if down or report.down else "up"}
    body["subgraphs"] = subgraphs
    if dependencies:
        body["dependencies"] = {result.name: result.as_dict() for result in report.results}
    messages = []
    if down:
        messages.append("subgraphs down: " + ", ".join(down))
    if report.down:
        messages.append("dependencies down: " + ", ".join(report.down))
    if messages:
        body["message"] = "; ".join(messages)
        return 503, body
    return 200, body
