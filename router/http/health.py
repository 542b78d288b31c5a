"""``/health``: the router and every subgraph, each asked a cheap ``{ __typename }``."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from router.transports import SubgraphError, SubgraphTransport

_PROBE = "query HealthProbe { __typename }"


async def probe(name: str, transport: SubgraphTransport, wait_seconds: float) -> dict[str, Any]:
    """The status of one subgraph: up, or down with the reason."""
    try:
        async with asyncio.timeout(wait_seconds):
            result = await transport.execute(_PROBE, operation_name="HealthProbe")
    except TimeoutError:
        return {"status": "down", "error": f"no answer within {wait_seconds:g}s"}
    except SubgraphError as error:
        return {"status": "down", "error": error.message}
    except Exception as error:  # a broken transport must not break /health itself
        return {"status": "down", "error": f"{type(error).__name__}: {error}"}
    if result.get("errors") or not isinstance(result.get("data"), dict):
        return {"status": "down", "error": "answered { __typename } with errors"}
    return {"status": "up"}


async def check_health(
    transports: Mapping[str, SubgraphTransport], wait_seconds: float
) -> tuple[int, dict[str, Any]]:
    """The HTTP status (200, or 503 when a subgraph is down) and the report body."""
    names = list(transports)
    results = await asyncio.gather(*(probe(n, transports[n], wait_seconds) for n in names))
    subgraphs = dict(zip(names, results, strict=True))
    down = [name for name, result in subgraphs.items() if result["status"] != "up"]
    body: dict[str, Any] = {"status": "down" if down else "up", "subgraphs": subgraphs}
    if down:
        body["message"] = "subgraphs down: " + ", ".join(down)
        return 503, body
    return 200, body
