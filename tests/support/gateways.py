"""The two gateways under test as processes: Hive Gateway (reference) and our router."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import httpx

from tests.support.federation import HIVE_GATEWAY_BIN, node_env
from tests.support.ports import free_port
from tests.support.servers import ManagedProcess, ProcessGroup


def start_hive_gateway(group: ProcessGroup, supergraph: Path) -> ManagedProcess:
    """Hive Gateway serving ``supergraph`` at /graphql, one worker, no schema polling."""
    port = free_port()
    args = [
        str(HIVE_GATEWAY_BIN),
        "supergraph",
        str(supergraph),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--fork",
        "1",
    ]
    env = {**node_env(), "NODE_ENV": "production"}
    process = ManagedProcess(name="hive-gateway", args=args, port=port, env=env)
    return group.start(process, timeout=90.0, ready_path="/healthcheck")


def start_our_router(group: ProcessGroup, supergraph: Path) -> ManagedProcess:
    """``python -m router serve --supergraph FILE --port N``."""
    port = free_port()
    args = [sys.executable, "-m", "router", "serve", "--supergraph", str(supergraph)]
    args += ["--host", "127.0.0.1", "--port", str(port)]
    process = ManagedProcess(name="mateway-router", args=args, port=port)
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
