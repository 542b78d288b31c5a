"""Keeps a RevocationList current: load the stored set at start, then follow the channel.

It subscribes before loading so nothing published in between is missed, and after a lost
connection it reconnects with a bounded backoff and loads the set again. While Redis is
unreachable the router keeps its last known list (tokens still need a valid signature and
expire within minutes); ``healthy`` says whether the feed is live.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from redis.asyncio import Redis
from redis.exceptions import RedisError

from shared.auth.revocation import CHANNEL, RevocationList, load_current

logger = logging.getLogger("mateway.auth.revocation")


class RevocationFeed:
    """The background follower of the revocation channel for one RevocationList."""

    def __init__(self, redis: Redis, revocations: RevocationList) -> None:
        self.redis = redis
        self.revocations = revocations
        self.healthy = False
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def start(self, wait_seconds: float = 2.0) -> None:
        """Starts following; waits (bounded) until the stored set was loaded once."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="mateway-revocation-feed")
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(wait_seconds):
                await self._ready.wait()

    async def stop(self) -> None:
        """Stops following and closes the connection."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None

    async def _run(self) -> None:
        delay = 0.1
        while True:
            try:
                await self._follow()
            except (RedisError, OSError) as error:
                if self.healthy:
                    logger.warning("revocation feed lost Redis: %s", error)
                self.healthy = False
                self._ready.set()  # do not hold requests while Redis is down
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _follow(self) -> None:
        async with self.redis.pubsub(ignore_subscribe_messages=True) as pubsub:
            await pubsub.subscribe(CHANNEL)
            await load_current(self.redis, self.revocations)
            self.revocations.prune()
            self.healthy = True
            self._ready.set()
            while True:
                message = await pubsub.get_message(timeout=30.0)
                if message is None:
                    self.revocations.prune()
                    continue
                data = message.get("data")
                entry = data.decode() if isinstance(data, bytes) else str(data)
                self.revocations.apply(entry)
