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
    transport = PooledTransport(1000)
    limits = [pool._pool._max_connections for pool in transport.pools]
    assert len(transport.pools) == -(-1000 // POOL_SIZE)
    assert all(limit <= POOL_SIZE for limit in limits) and sum(limits) >= 1000
    assert len(PooledTransport(10).pools) == 1


async def test_concurrent_streams_use_every_pool_and_all_complete(server: LlmServer) -> None:
    server.script(Behaviour(text="one two three", tokens_per_second=50))
    transport = PooledTransport(4 * POOL_SIZE)
    async with httpx.AsyncClient(transport=transport, timeout=10) as client:
        streams = [asyncio.create_task(stream(client, server)) for _ in range(40)]
        await asyncio.sleep(0.02)  # all open: each pool holds some of them
        assert all(pool._pool.connections for pool in transport.pools)
        answers = await asyncio.gather(*streams)
    assert all("[DONE]" in answer for answer in answers)


@pytest.mark.parametrize("max_streams", [100, 1000])
async def test_streams_that_end_leave_their_connections_to_the_next_ones(
    server: LlmServer, max_streams: int
) -> None:
    # 40 replies at once, then 40 more, as a provider's client serves users mid-reply: the
    # second wave rides the first one's connections. httpcore 1.0.9 closed a connection
    # going idle whenever its pool held more than its keep-alive limit in all (20 over the
    # pools): every reply then opened a new connection (with TLS, to a real provider).
    server.script(Behaviour(text="one two three", tokens_per_second=50))
    async with http_client(Timeouts(), max_streams=max_streams) as client:
        for _ in range(2):
            answers = await asyncio.gather(*(stream(client, server) for _ in range(40)))
            assert all("[DONE]" in answer for answer in answers)
    first, second = (server.requests[:40], server.requests[40:])
    first_ports = {request.client_port for request in first}
    assert len(first_ports) == 40  # all at once: a connection each
    assert {request.client_port for request in second} <= first_ports


async def test_a_request_goes_to_a_pool_with_an_idle_connection(server: LlmServer) -> None:
    transport = PooledTransport(4 * POOL_SIZE)
    async with httpx.AsyncClient(transport=transport, timeout=10) as client:
        for _ in range(6):
            await stream(client, server)
    # One connection serves all six in turn (taking the pools in turn, each pool would
    # open its own).
    assert len({request.client_port for request in server.requests}) == 1


async def stream(client: httpx.AsyncClient, server: LlmServer) -> str:
    """One streamed completion, read to its end."""
    body = {"model": "m", "stream": True, "messages": []}
    async with client.stream("POST", f"{server.url}/chat/completions", json=body) as response:
        return "".join([line async for line in response.aiter_lines()])


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
