"""A real Valkey for the edge plugin tests (the server helper lives in tests/shared)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from redis.asyncio import Redis

from shared.redis import create_redis
from tests.router.plugins.stream_revocation_support import DB as REVOCATIONS_DB
from tests.shared.conftest import ValkeyServer


@pytest.fixture(scope="session")
def edge_valkey(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ValkeyServer]:
    """One Valkey server for the edge plugin tests."""
    server = ValkeyServer(tmp_path_factory.mktemp("edge-valkey"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def revocations_redis(edge_valkey: ValkeyServer) -> AsyncIterator[Redis]:
    """A client of the Valkey database the stream revocation tests' routers follow."""
    client = create_redis(edge_valkey.url(REVOCATIONS_DB))
    try:
        yield client
    finally:
        await client.aclose()
