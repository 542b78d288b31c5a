"""Fixtures shared by every test: free ports, servers in threads or processes, teardown."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from shared.directus.client import DirectusClient
from shared.directus.runtime import DirectusServer
from tests.support.identity import TEST_SIGNING_KEY
from tests.support.ports import free_port
from tests.support.servers import ProcessGroup, UvicornThread

# Every app and router in the tests signs and verifies tokens with one key (shared.auth);
# subprocesses inherit it.
os.environ.setdefault("MATEWAY_SIGNING_KEY", TEST_SIGNING_KEY)


@pytest.fixture
def unused_port() -> int:
    """A free TCP port on 127.0.0.1."""
    return free_port()


@pytest.fixture(scope="session")
def process_group() -> Iterator[ProcessGroup]:
    """Processes started during the session; every one is stopped when it ends."""
    group = ProcessGroup()
    try:
        yield group
    finally:
        group.stop_all()


@pytest.fixture
def serve_asgi() -> Iterator[Callable[[Any], UvicornThread]]:
    """Starts ASGI apps on uvicorn in threads (free loopback ports); stops them after the test."""
    servers: list[UvicornThread] = []

    def start(app: Any) -> UvicornThread:
        server = UvicornThread(app).start()
        servers.append(server)
        return server

    try:
        yield start
    finally:
        for server in reversed(servers):
            server.stop()


@pytest.fixture
async def directus(platform_directus: DirectusServer) -> AsyncIterator[DirectusClient]:
    """A client of the platform Directus with its platform token (for the folders that
    import `platform_directus` from tests.support.directus)."""
    async with DirectusClient(platform_directus.url, platform_directus.platform_token) as client:
        yield client
