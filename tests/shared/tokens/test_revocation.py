"""Revocation through Redis: stored entries load at start, published ones apply while running."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from shared.auth.feed import RevocationFeed
from shared.auth.revocation import (
    CHANNEL,
    RETENTION_SECONDS,
    REVOKED_KEY,
    RevocationList,
    revoke_session,
    revoke_user,
)
from shared.identity import CallerKind, Identity, Role
from shared.redis import create_redis
from tests.shared.conftest import ValkeyServer

ALICE = Identity(kind=CallerKind.USER, role=Role.USER, user_id="alice", session_id="s-alice")


@pytest.fixture
async def redis(valkey: ValkeyServer) -> AsyncIterator[Redis]:
    client = create_redis(valkey.url(7))
    await client.flushdb()
    yield client
    await client.aclose()


async def _until(condition: object, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        await asyncio.sleep(0.01)
    return False


async def test_entry_published_by_another_process_applies_while_running(redis: Redis) -> None:
    revocations = RevocationList()
    feed = RevocationFeed(redis, revocations)
    await feed.start()
    try:
        assert feed.healthy and not revocations.is_revoked(ALICE, time.time())
        # As another process would: straight to Redis, not through this process's lists.
        await redis.publish(CHANNEL, "session:s-alice")
        assert await _until(lambda: revocations.is_revoked(ALICE, time.time()))
    finally:
        await feed.stop()


async def test_stored_entries_load_at_start_and_expired_ones_do_not(redis: Redis) -> None:
    now = time.time()
    await redis.zadd(REVOKED_KEY, {"session:s-alice": now + 60, "session:s-old": now - 1})
    revocations = RevocationList()
    feed = RevocationFeed(redis, revocations)
    await feed.start()
    await feed.stop()
    old = Identity(kind=CallerKind.USER, role=Role.USER, user_id="x", session_id="s-old")
    assert revocations.is_revoked(ALICE, now)
    assert not revocations.is_revoked(old, now)


async def test_writers_store_with_a_bounded_lifetime_and_update_local_lists(
    redis: Redis,
) -> None:
    local = RevocationList()
    await revoke_session(redis, "s-alice")
    assert local.is_revoked(ALICE, time.time())  # no round trip through Redis needed
    assert 0 < await redis.ttl(REVOKED_KEY) <= RETENTION_SECONDS
    (score,) = [s for _, s in await redis.zrange(REVOKED_KEY, 0, -1, withscores=True)]
    assert score == pytest.approx(time.time() + RETENTION_SECONDS, abs=5)


async def test_user_revocation_cuts_off_tokens_issued_before_it(redis: Redis) -> None:
    local = RevocationList()
    other = Identity(kind=CallerKind.USER, role=Role.USER, user_id="alice", session_id="s-2")
    await revoke_user(redis, "alice")
    assert local.is_revoked(other, time.time() - 60)
    assert not local.is_revoked(other, time.time() + 5)


async def test_feed_survives_redis_restart(valkey_factory: object) -> None:
    server = valkey_factory()  # type: ignore[operator]
    client = create_redis(server.url())
    revocations = RevocationList()
    feed = RevocationFeed(client, revocations)
    try:
        await feed.start()
        server.stop()
        assert await _until(lambda: not feed.healthy, 10)
        server.start()
        assert await _until(lambda: feed.healthy, 10)
        await client.publish(CHANNEL, "session:s-alice")
        assert await _until(lambda: revocations.is_revoked(ALICE, time.time()), 10)
    finally:
        await feed.stop()
        await client.aclose()


def test_malformed_entries_are_ignored() -> None:
    revocations = RevocationList()
    for entry in ("user:alice@soon", "user:", "session:", "nonsense", "apikey:k1"):
        revocations.apply(entry)
    assert not revocations.is_revoked(ALICE, time.time())
