"""Serves several ASGI apps from one process, each on its own port.

``python -m tests.support.multiserve NAME=package.module:app@PORT ...``

Test subgraphs import Strawberry once instead of once per process, which makes a
nine-subgraph federation start in about a second. The benchmark does not use this: there
each subgraph gets its own process (and core time).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections.abc import Iterator

import uvicorn

from router.supergraph_config import load_asgi_app


class _QuietServer(uvicorn.Server):
    """A uvicorn server that leaves signal handling to the process (one handler for all)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _server(spec: str) -> uvicorn.Server:
    _name, _, target = spec.partition("=")
    reference, _, port = target.rpartition("@")
    config = uvicorn.Config(
        load_asgi_app(reference),
        host="127.0.0.1",
        port=int(port),
        log_level="warning",
        access_log=False,
        timeout_keep_alive=120,
    )
    return _QuietServer(config)


async def serve_all(specs: list[str]) -> None:
    """Runs every app until SIGTERM or SIGINT."""
    servers = [_server(spec) for spec in specs]

    def stop_all() -> None:
        for server in servers:
            server.should_exit = True

    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop_all)
    await asyncio.gather(*(server.serve() for server in servers))


if __name__ == "__main__":
    asyncio.run(serve_all(sys.argv[1:]))
