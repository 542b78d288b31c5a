"""CancelHub on Valkey: core's stop signals reach the right reply over one subscription."""

from __future__ import annotations

from shared.redis import create_redis
from subgraphs.ai.cancel_hub import CancelHub, StopSignal
from subgraphs.core.chats.cancel import publish_cancel
from tests.shared.conftest import ValkeyServer
from tests.support.waiting import eventually


async def test_a_signal_sets_only_its_replys_event(valkey: ValkeyServer) -> None:
    redis = create_redis(valkey.url(8))
    hub = CancelHub()
    try:
        async with hub.watch(redis, "m-1") as first, hub.watch(redis, "m-2") as second:
            assert await publish_cancel(redis, "m-1") == 1  # one listener for both replies
            await eventually(first.is_set, seconds=2)
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


def test_a_stop_signal_runs_its_callbacks_once_when_set() -> None:
    stop, calls = StopSignal(), []
    stop.on_set(lambda: calls.append("first"))
    stop.on_set(lambda: calls.append("second"))
    assert not stop.is_set() and calls == []
    stop.set()
    stop.set()
    assert stop.is_set() and calls == ["first", "second"]


def test_a_callback_registered_after_the_stop_runs_at_once() -> None:
    stop, calls = StopSignal(), []
    stop.set()
    stop.on_set(lambda: calls.append("late"))
    assert calls == ["late"]


def test_an_unregistered_callback_does_not_run() -> None:
    stop, calls = StopSignal(), []
    forget = stop.on_set(lambda: calls.append("gone"))
    stop.on_set(lambda: calls.append("kept"))
    forget()
    forget()  # twice is harmless
    stop.set()
    assert calls == ["kept"]
