"""The chat lock, and a per-process cache of chat rows that the lock keeps honest.

Sending to an existing chat needs the chat's owner and wrapped key. Reading them from
Directus on every message costs a round trip, so they are cached here for seconds. The
owner never changes; the wrapped key changes only under the chat's lock (revokeShare re-keys,
deleteChat shreds), and whoever changes it also replaces the chat's *generation* token in
Redis. Taking the lock reads the generation in the same round trip, and a cached row is used
only when its generation is the current one. No token in Redis (new, expired or flushed)
means "unknown": the row is read from Directus and a fresh token is set under the lock.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from redis.asyncio import Redis

from shared.errors import ErrorCode, MatewayError

LOCK_PREFIX = "mateway:core:lock:chat:"
GENERATION_PREFIX = "mateway:chat:generation:"
GENERATION_SECONDS = 24 * 3600
# Deletes the lock only if it is still ours (it may have expired and been taken).
RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end"


@dataclass(frozen=True, slots=True)
class CachedChat:
    """What sending needs of a chat row, and the generation it was read under."""

    owner: str
    wrapped_key: str
    generation: bytes
    expires_at: float


class ChatRowCache:
    """chat id -> CachedChat, bounded, expiring; holds wrapped keys only (never unwrapped)."""

    def __init__(self, ttl_seconds: float = 30.0, max_entries: int = 4096) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._entries: OrderedDict[str, CachedChat] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, chat_id: str, generation: bytes | None) -> CachedChat | None:
        """The cached row when it is fresh and of the current generation."""
        if generation is None:
            return None
        with self._lock:
            entry = self._entries.get(chat_id)
            if entry is None or entry.expires_at < time.monotonic():
                return None
            return entry if secrets.compare_digest(entry.generation, generation) else None

    def put(self, chat_id: str, owner: str, wrapped_key: str, generation: bytes) -> None:
        """Remember a row read under `generation`."""
        if self.max_entries == 0 or self.ttl_seconds == 0:
            return
        entry = CachedChat(owner, wrapped_key, generation, time.monotonic() + self.ttl_seconds)
        with self._lock:
            self._entries[chat_id] = entry
            self._entries.move_to_end(chat_id)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def evict(self, chat_id: str) -> None:
        """Forget the chat's row."""
        with self._lock:
            self._entries.pop(chat_id, None)


@dataclass
class HeldLock:
    """The chat's lock while held, and the generation read when it was taken."""

    redis: Redis
    chat_id: str
    generation: bytes | None

    async def new_generation(self) -> bytes:
        """Replace the chat's generation (after changing its key, or to start caching it)."""
        token = secrets.token_bytes(16)
        await self.redis.set(GENERATION_PREFIX + self.chat_id, token, ex=GENERATION_SECONDS)
        self.generation = token
        return token

    async def end_generation(self) -> None:
        """The chat is gone: no generation, so no process uses a cached row of it."""
        await self.redis.delete(GENERATION_PREFIX + self.chat_id)
        self.generation = None


# Waiters in this process queue on an asyncio lock per chat, so only the first of them polls
# Redis: under load a holder may keep the chat for a Directus write of hundreds of ms, and
# every waiter polling meant thousands of round trips a second for nothing.
_local_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()


@asynccontextmanager
async def chat_lock(
    redis: Redis, chat_id: str, *, hold_seconds: float = 30.0, wait_seconds: float = 10.0
) -> AsyncIterator[HeldLock]:
    """Hold the chat's lock; UNAVAILABLE when it stays taken for `wait_seconds`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_seconds
    local = _local_locks.get(chat_id)
    if local is None:
        local = _local_locks[chat_id] = asyncio.Lock()
    try:
        async with asyncio.timeout_at(deadline):
            await local.acquire()
    except TimeoutError:
        raise MatewayError(ErrorCode.UNAVAILABLE, "The chat is busy; try again") from None
    try:
        async with _redis_lock(redis, chat_id, hold_seconds, deadline) as held:
            yield held
    finally:
        local.release()


@asynccontextmanager
async def _redis_lock(
    redis: Redis, chat_id: str, hold_seconds: float, deadline: float
) -> AsyncIterator[HeldLock]:
    """The lock every process shares, polled until `deadline` (the loop's clock)."""
    key, token = LOCK_PREFIX + chat_id, secrets.token_hex(8)
    loop = asyncio.get_running_loop()
    pause = 0.005  # holders keep it for milliseconds: retry soon, then back off to 50 ms
    while True:
        async with redis.pipeline(transaction=False) as pipe:
            pipe.set(key, token, nx=True, px=int(hold_seconds * 1000))
            pipe.get(GENERATION_PREFIX + chat_id)
            taken, generation = await pipe.execute()
        if taken:
            break
        if loop.time() > deadline:
            raise MatewayError(ErrorCode.UNAVAILABLE, "The chat is busy; try again")
        await asyncio.sleep(pause)
        pause = min(pause * 2, 0.05)
    try:
        yield HeldLock(redis, chat_id, generation)
    finally:
        await redis.eval(RELEASE, 1, key, token)  # type: ignore[no-untyped-call]
