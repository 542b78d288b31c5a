"""The chat lock on a real Valkey: one holder at a time, waiters in a process queue locally."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable

import pytest

from shared.errors import ErrorCode, MatewayError
from shared.redis import create_redis
from subgraphs.core.chats.rows import chat_lock
from tests.shared.conftest import ValkeyServer, valkey_factory

__all__ = ["valkey_factory"]


async def _set_calls(redis: object) -> int:
    stats = await redis.info("commandstats")  # type: ignore[attr-defined]
    return int(stats.get("cmdstat_set", {}).get("calls", 0))


async def test_waiters_hold_the_lock_one_at_a_time_without_polling_redis(
    valkey_factory: Callable[[], ValkeyServer],
) -> None:
    redis = create_redis(valkey_factory().url(), timeout=2.0)
    chat_id, inside, most_inside = str(uuid.uuid4()), 0, 0

    async def hold() -> None:
        nonlocal inside, most_inside
        async with chat_lock(redis, chat_id):
            inside += 1
            most_inside = max(most_inside, inside)
            await asyncio.sleep(0.02)
            inside -= 1

    try:
        before = await _set_calls(redis)
        await asyncio.gather(*(hold() for _ in range(20)))
        sets = await _set_calls(redis) - before
    finally:
        await redis.aclose()
    assert most_inside == 1
    assert sets == 20  # one SET NX each: nobody polled while another waiter held it


async def test_a_lock_held_by_another_process_is_polled_until_free(
    valkey_factory: Callable[[], ValkeyServer],
) -> None:
    server = valkey_factory()
    redis, other = create_redis(server.url(), timeout=2.0), create_redis(server.url(), timeout=2.0)
    chat_id = str(uuid.uuid4())
    try:
        await other.set(f"mateway:core:lock:chat:{chat_id}", "elsewhere", px=200)
        started = asyncio.get_running_loop().time()
        async with chat_lock(redis, chat_id):
            waited = asyncio.get_running_loop().time() - started
    finally:
        await redis.aclose()
        await other.aclose()
    assert 0.15 < waited < 1.0


async def test_a_lock_that_stays_taken_is_unavailable_after_the_wait(
    valkey_factory: Callable[[], ValkeyServer],
) -> None:
    redis = create_redis(valkey_factory().url(), timeout=2.0)
    chat_id = str(uuid.uuid4())
    try:
        async with chat_lock(redis, chat_id):
            with pytest.raises(MatewayError) as caught:
                async with chat_lock(redis, chat_id, wait_seconds=0.1):
                    pass
    finally:
        await redis.aclose()
    assert caught.value.code is ErrorCode.UNAVAILABLE
