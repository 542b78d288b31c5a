"""Stop signals for running replies over one pattern subscription per process.

Core's `cancellation` helper opens a pub/sub connection per reply, which holds one of the
Redis pool's connections (100 by default) for the reply's whole life; a thousand concurrent
replies would exhaust it. The hub subscribes once to `mateway:chat:cancel:*` (core's channel
names) and sets the StopSignal of whichever running reply a signal names; the marker key
core leaves is still checked after registering, so a stop sent just before the reply started
listening is seen too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from subgraphs.core.chats.cancel import CHANNEL_PREFIX, MARKER_PREFIX

logger = logging.getLogger("mateway.ai.cancel")


class StopSignal:
    """Set once, when a reply is cancelled; runs the callbacks registered with `on_set`.

    An asyncio.Event would need a task per reply waiting on it to act on the stop. That task,
    its coroutines and futures lived as long as the reply, and the cyclic collector walks every
    such object of every open stream on each pass (tests/benchmarks/ai).
    """

    def __init__(self) -> None:
        self._set = False
        self._callbacks: list[Callable[[], None]] = []

    def is_set(self) -> bool:
        """Whether the reply was cancelled."""
        return self._set

    def set(self) -> None:
        """Mark the reply cancelled and run the registered callbacks (once)."""
        if self._set:
            return
        self._set = True
        callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback()

    def on_set(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Run `callback` when set (now, if it already is); returns what unregisters it."""
        if self._set:
            callback()
            return _nothing
        self._callbacks.append(callback)
        return lambda: self._forget(callback)

    def _forget(self, callback: Callable[[], None]) -> None:
        with contextlib.suppress(ValueError):
            self._callbacks.remove(callback)


def _nothing() -> None:
    return None


class CancelHub:
    """One listener per event loop; `watch(redis, message_id)` yields that reply's StopSignal."""

    def __init__(self) -> None:
        self._events: dict[str, set[StopSignal]] = {}
        self._listener: asyncio.Task[None] | None = None
        self._pubsub: PubSub | None = None
        self._lock: asyncio.Lock | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def _ensure_listening(self, redis: Redis) -> None:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._loop, self._lock, self._listener, self._pubsub = loop, asyncio.Lock(), None, None
        assert self._lock is not None
        async with self._lock:
            if self._listener is not None and not self._listener.done():
                return
            pubsub = redis.pubsub()
            await pubsub.psubscribe(CHANNEL_PREFIX + "*")
            # Wait for the confirmation: only then are signals sent from now on delivered.
            await pubsub.get_message(timeout=2.0)
            self._pubsub = pubsub
            self._listener = asyncio.create_task(self._listen(pubsub))

    async def _listen(self, pubsub: PubSub) -> None:
        try:
            async for message in pubsub.listen():
                if message.get("type") != "pmessage":
                    continue
                channel = message["channel"]
                name = channel.decode() if isinstance(channel, bytes) else str(channel)
                for event in self._events.get(name.removeprefix(CHANNEL_PREFIX), ()):
                    event.set()
        except (RedisError, OSError) as error:
            # Replies keep running; they cannot be stopped until the next one resubscribes.
            logger.warning("cancel listener lost Redis: %s", error)
        finally:
            with contextlib.suppress(RedisError, OSError):
                await pubsub.aclose()  # type: ignore[no-untyped-call]

    @contextlib.asynccontextmanager
    async def watch(self, redis: Redis, message_id: str) -> AsyncIterator[StopSignal]:
        """A StopSignal set when `message_id`'s reply is cancelled, while the block runs."""
        stop = StopSignal()
        try:
            await self._ensure_listening(redis)
        except (RedisError, OSError) as error:
            logger.warning("cannot listen for cancel signals: %s", error)
        self._events.setdefault(message_id, set()).add(stop)
        try:
            with contextlib.suppress(RedisError, OSError):
                if await redis.exists(MARKER_PREFIX + message_id):
                    stop.set()
            yield stop
        finally:
            waiting = self._events.get(message_id)
            if waiting is not None:
                waiting.discard(stop)
                if not waiting:
                    del self._events[message_id]

    async def aclose(self) -> None:
        """Stop listening."""
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None
