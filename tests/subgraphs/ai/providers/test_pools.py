"""PooledTransport: a provider's streams spread over small connection pools."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from subgraphs.ai.providers.pools import POOL_SIZE, PooledTransport
from subgraphs.ai.providers.transport import Timeouts, http_client
from tests.support.llm_servers import Behaviour, LlmServer


@pytest.fixture
def server() -> LlmServer:
    started = LlmServer().start()
    yield started  # type: ignore[misc]
    started.stop()


def test_connections_are_split_into_pools_of_at_most_pool_size() -> None:
    transport = PooledTransport(1000, max_keepalive_connections=20)
    limits = [pool._pool._max_connections for pool in transport.pools]
    assert len(transport.pools) == -(-1000 // POOL_SIZE)
    assert all(limit <= POOL_SIZE for limit in limits) and sum(limits) >= 1000
    assert len(PooledTransport(10, max_keepalive_connections=20).pools) == 1


async def test_concurrent_streams_use_every_pool_and_all_complete(server: LlmServer) -> None:
    server.script(Behaviour(text="one two three", tokens_per_second=50))
    transport = PooledTransport(4 * POOL_SIZE, max_keepalive_connections=8)
    async with httpx.AsyncClient(transport=transport, timeout=10) as client:

        async def stream() -> str:
            body = {"model": "m", "stream": True, "messages": []}
            async with client.stream("POST", f"{server.url}/chat/completions", json=body) as r:
                return "".join([line async for line in r.aiter_lines()])

        streams = [asyncio.create_task(stream()) for _ in range(40)]
        await asyncio.sleep(0.02)  # all open: each pool holds some of them
        assert all(pool._pool.connections for pool in transport.pools)
        answers = await asyncio.gather(*streams)
    assert all("[DONE]" in answer for answer in answers)


def test_with_a_proxy_in_the_environment_httpx_builds_its_own_transports(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    client = http_client(Timeouts(), max_streams=500)
    assert not isinstance(client._transport, PooledTransport)
    assert any(mount is not None for mount in client._mounts.values())
    monkeypatch.delenv("HTTPS_PROXY")
    assert isinstance(http_client(Timeouts(), max_streams=500)._transport, PooledTransport)
