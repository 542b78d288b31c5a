"""CancelHub on Valkey: core's stop signals reach the right reply over one subscription."""

from __future__ import annotations

import asyncio

from shared.redis import create_redis
from subgraphs.ai.cancel_hub import CancelHub
from subgraphs.core.chats.cancel import publish_cancel
from tests.shared.conftest import ValkeyServer


async def test_a_signal_sets_only_its_replys_event(valkey: ValkeyServer) -> None:
    redis = create_redis(valkey.url(8))
    hub = CancelHub()
    try:
        async with hub.watch(redis, "m-1") as first, hub.watch(redis, "m-2") as second:
            assert await publish_cancel(redis, "m-1") == 1  # one listener for both replies
            await asyncio.wait_for(first.wait(), 2)
            assert not second.is_set()
    finally:
        await hub.aclose()
        await redis.flushdb()
        await redis.aclose()


async def test_a_signal_sent_before_the_reply_listened_is_seen(valkey: ValkeyServer) -> None:
    redis = create_redis(valkey.url(8))
    hub = CancelHub()
    try:
        await publish_cancel(redis, "m-early")
        async with hub.watch(redis, "m-early") as stop:
            assert stop.is_set()
    finally:
        await hub.aclose()
        await redis.flushdb()
        await redis.aclose()
