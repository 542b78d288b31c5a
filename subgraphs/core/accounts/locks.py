"""A short Redis lock for read-check-write steps Directus cannot do atomically."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.asyncio import Redis

from shared.errors import ErrorCode, MatewayError

PREFIX = "mateway:core:lock"
# Deletes the lock only if it is still ours (it may have expired and been taken).
RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end"


@asynccontextmanager
async def redis_lock(
    redis: Redis, name: str, *, hold_seconds: float = 10.0, wait_seconds: float = 5.0
) -> AsyncIterator[None]:
    """Hold `name` exclusively; UNAVAILABLE when it stays taken for `wait_seconds`."""
    key, token = f"{PREFIX}:{name}", secrets.token_hex(8)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_seconds
    while not await redis.set(key, token, nx=True, px=int(hold_seconds * 1000)):
        if loop.time() > deadline:
            raise MatewayError(ErrorCode.UNAVAILABLE, "The server is busy; try again")
        await asyncio.sleep(0.05)
    try:
        yield
    finally:
        await redis.eval(RELEASE, 1, key, token)  # type: ignore[no-untyped-call]
