"""The async Redis client factory and its health check, against a real Valkey."""

from __future__ import annotations

import time
import uuid

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from shared.redis import create_redis, redis_health_check
from tests.shared.conftest import ValkeyServer, free_port


async def test_client_round_trips_values(valkey: ValkeyServer) -> None:
    client = create_redis(valkey.url(3), decode_responses=True)
    key = f"kit:{uuid.uuid4()}"
    await client.set(key, "value", ex=10)
    assert await client.get(key) == "value"
    await client.aclose()


async def test_health_check_pings_the_server(valkey: ValkeyServer) -> None:
    client = create_redis(valkey.url(3))
    assert await redis_health_check(client)() is True
    await client.aclose()


async def test_health_check_fails_fast_when_nothing_listens() -> None:
    client = create_redis(f"redis://127.0.0.1:{free_port()}/0", timeout=0.5)
    started = time.perf_counter()
    with pytest.raises(RedisConnectionError):
        await redis_health_check(client)()
    assert time.perf_counter() - started < 2.0
    await client.aclose()
