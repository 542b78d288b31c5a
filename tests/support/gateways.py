"""The two gateways under test as processes: Hive Gateway (reference) and our router."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import httpx

from tests.support.federation import HIVE_GATEWAY_BIN, TOOLS_DIR, node_env
from tests.support.ports import free_port
from tests.support.servers import ManagedProcess, ProcessGroup


def start_hive_gateway(group: ProcessGroup, supergraph: Path) -> ManagedProcess:
    """Hive Gateway serving ``supergraph`` at /graphql, one worker (tests/tools config)."""
    port = free_port()
    args = [
        str(HIVE_GATEWAY_BIN), "supergraph", str(supergraph),
        "--host", "127.0.0.1", "--port", str(port), "--fork", "1",
        "--config-path", str(TOOLS_DIR / "gateway.config.mjs"),
    ]  # fmt: skip
    env = {**node_env(), "NODE_ENV": "production"}
    process = ManagedProcess(name="hive-gateway", args=args, port=port, env=env)
    return group.start(process, timeout=90.0, ready_path="/healthcheck")


def start_our_router(group: ProcessGroup, supergraph: Path) -> ManagedProcess:
    """``python -m router serve --supergraph FILE --port N``."""
    port = free_port()
    args = [sys.executable, "-m", "router", "serve", "--supergraph", str(supergraph)]
    args += ["--host", "127.0.0.1", "--port", str(port)]
    # Hive Gateway answers introspection; ours does so in production only when enabled.
    env = {"MATEWAY_ROUTER_PLUGINS__INTROSPECTION__ENABLED": "true"}
    process = ManagedProcess(name="mateway-router", args=args, port=port, env=env)
    return group.start(process, timeout=60.0)


def post_graphql(
    client: httpx.Client, url: str, query: str, variables: dict[str, Any] | None = None
) -> httpx.Response:
    """POSTs one GraphQL request as JSON to ``url``/graphql."""
    body: dict[str, Any] = {"query": query}
    if variables is not None:
        body["variables"] = variables
    headers = {"accept": "application/json"}
    return client.post(f"{url}/graphql", json=body, headers=headers)


def subscribe_sse(
    client: httpx.Client, url: str, query: str, variables: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Runs a subscription over graphql-sse (distinct connections) and returns every event.

    Fails unless the stream ends with a ``complete`` event.
    """
    body: dict[str, Any] = {"query": query}
    if variables is not None:
        body["variables"] = variables
    events: list[dict[str, Any]] = []
    completed = False
    headers = {"accept": "text/event-stream"}
    with client.stream("POST", f"{url}/graphql", json=body, headers=headers) as response:
        response.raise_for_status()
        kind = ""
        for line in response.iter_lines():
            if line.startswith("event:"):
                kind = line.removeprefix("event:").strip()
                completed = completed or kind == "complete"
            elif line.startswith("data:") and kind == "next":
                events.append(json.loads(line.removeprefix("data:")))
    if not completed:
        raise AssertionError(f"the stream from {url} ended without a complete event")
    return events
